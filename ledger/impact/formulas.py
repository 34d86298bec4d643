"""The impact formulas: small pure functions of ranges, units in each docstring.

Standard library only. Every argument and result is a :class:`Range`
(low / central / high); the caller (``coefficients``) feeds them from the
data files. Each function computes one step of docs/methodology.md, for ONE
token of a bucket (or one request), so impacts stay linear in the counts.
"""

from __future__ import annotations

from ledger.impact.ranges import ONE, Range

#: FLOPs per parameter per token in a forward pass (multiply-add = 2 FLOPs).
FORWARD_FLOPS_PER_PARAM = 2.0
#: FLOPs per parameter per training token (forward + backward, Kaplan et al. 2020).
TRAINING_FLOPS_PER_PARAM = 6.0
J_PER_WH = 3600.0


def effective_params_b(total_b: Range, active_b: Range, moe_inactive_weight: Range) -> Range:
    """Parameters (billions) whose cost a token pays: ``active + k * (total - active)``.

    For a dense model ``total == active`` and this is the size. For a mixture of
    experts, ``k`` charges a share of the experts a token does not use (memory
    traffic, imperfect batching per expert).
    """
    inactive = Range(
        max(total_b.low - active_b.low, 0.0),
        max(total_b.central - active_b.central, 0.0),
        max(total_b.high - active_b.high, 0.0),
    )
    return active_b + moe_inactive_weight * inactive


def token_accel_j(params_b: Range, j_per_flop: Range, utilisation: Range) -> Range:
    """Accelerator energy (J) for one token through the model.

    ``2 * P * 1e9`` FLOPs at ``j_per_flop`` (J/FLOP at peak throughput) divided
    by the achieved fraction of peak (``utilisation``, a divisor: its high end
    gives the low energy).
    """
    return params_b * (FORWARD_FLOPS_PER_PARAM * 1e9) * j_per_flop / utilisation


def bucket_accel_j(
    decode_j: Range, prefill_j: Range, context_weight: Range, cache_write_extra: Range
) -> dict[str, Range]:
    """Accelerator energy (J) per token of each bucket, from decode and prefill costs.

    - output, reasoning: one decode step each;
    - input (fresh): its prefill, plus ``context_weight`` decode-equivalents for
      sitting in the KV cache that every decode step of the request re-reads;
    - cache write: a fresh input token plus ``cache_write_extra`` of its prefill
      (holding the cache);
    - cache read: the context term only (prefill skipped, attention not).
    """
    context = context_weight * decode_j
    return {
        "input_tokens": prefill_j + context,
        "cache_write_tokens": prefill_j * (ONE + cache_write_extra) + context,
        "cache_read_tokens": context,
        "output_tokens": decode_j,
        "reasoning_tokens": decode_j,
    }


def it_energy_j(accel_j: Range, host_share: Range, idle_share: Range) -> Range:
    """IT energy (J): accelerator energy plus host (CPU, DRAM) and idle capacity."""
    return accel_j * (ONE + host_share + idle_share)


def facility_energy_j(it_j: Range, pue: Range) -> Range:
    """Facility energy (J): IT energy times the power usage effectiveness."""
    return it_j * pue


def j_to_wh(energy_j: Range) -> Range:
    """Joules to watt-hours."""
    return energy_j * (1.0 / J_PER_WH)


def operational_co2e_g(energy_wh: Range, intensity_g_per_kwh: Range) -> Range:
    """CO2e (g) of the electricity: energy (Wh) x grid intensity (gCO2e/kWh) / 1000."""
    return energy_wh * intensity_g_per_kwh * 1e-3


def embodied_co2e_g(
    accel_j: Range, accel_power_w: Range, g_per_accel_hour: Range, idle_share: Range
) -> Range:
    """Embodied CO2e (g): accelerator-hours used, idle share included, x gCO2e per hour.

    Accelerator-hours = energy (J) / power (W) / 3600. The power is a constant
    (no range), so dividing by it does not widen the range.
    """
    hours = accel_j / accel_power_w * (1.0 / J_PER_WH)
    return hours * (ONE + idle_share) * g_per_accel_hour


def water_onsite_ml(it_wh: Range, wue_l_per_kwh: Range) -> Range:
    """On-site (cooling) water (mL): IT energy (Wh) x WUE (L/kWh, the same as mL/Wh)."""
    return it_wh * wue_l_per_kwh


def water_offsite_ml(energy_wh: Range, water_l_per_kwh: Range) -> Range:
    """Off-site water (mL) of electricity generation: facility energy (Wh) x L/kWh."""
    return energy_wh * water_l_per_kwh


def training_accel_j(active_b: Range, tokens: Range, j_per_flop: Range, u_train: Range) -> Range:
    """Accelerator energy (J) of training: ``6 * N * D`` FLOPs at ``u_train`` of peak."""
    return active_b * (TRAINING_FLOPS_PER_PARAM * 1e9) * tokens * j_per_flop / u_train


def gpu_hours_accel_j(gpu_hours: Range, accel_power_w: Range) -> Range:
    """Accelerator energy (J) of a disclosed number of GPU-hours at board power (W)."""
    return gpu_hours * accel_power_w * J_PER_WH


def amortised(total: Range, lifetime_tokens: Range) -> Range:
    """A one-off total spread over the tokens served in a lifetime (a divisor)."""
    return total / lifetime_tokens


def cost_usd(price_per_mtok: float, tokens: float) -> float:
    """US dollars for ``tokens`` at ``price_per_mtok`` USD per million tokens."""
    return price_per_mtok * tokens / 1e6
