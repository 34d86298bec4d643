// Writes the Copilot Chat (VS Code) fixtures of tests/hooks/copilot_corpus.py with the real
// OpenTelemetry JS SDK (npm: @opentelemetry/sdk-trace-base 2.5.1, sdk-logs 0.212.0,
// sdk-metrics 2.5.1, resources 2.5.1, api 1.9.0, core 2.5.1: the versions Copilot Chat's
// package.json asks for) and Copilot Chat's own file exporters:
//   old.jsonl: microsoft/vscode-copilot-chat src/platform/otel/node/fileExporters.ts (safeStringify
//              of the SDK span: circular, so every span is written as {}), version 0.30.0;
//   new.jsonl: microsoft/vscode extensions/copilot/src/platform/otel/node/fileExporters.ts
//              (readableSpanToJson), version 0.45.0.
// Attributes as chatMLFetcher.ts, toolCallingLoop.ts and genAiEvents.ts set them. Not run by the
// tests (they read the committed output); to regenerate: npm i the packages above, then
//   node gen_vscode.mjs old old.jsonl && node gen_vscode.mjs new new.jsonl
import * as fs from 'node:fs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import * as api from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';

const [mode, out] = process.argv.slice(2);
const version = mode === 'old' ? '0.30.0' : '0.45.0';
function safeStringify(d) { try { return JSON.stringify(d); } catch { return '{}'; } }
function ctxJson(c) { return { traceId: c.traceId, spanId: c.spanId, traceFlags: c.traceFlags, traceState: c.traceState?.serialize(), isRemote: c.isRemote }; }
function readableSpanToJson(span) {
	return {
		...ctxJson(span.spanContext()),
		parentSpanContext: span.parentSpanContext ? ctxJson(span.parentSpanContext) : undefined,
		name: span.name, kind: span.kind, startTime: span.startTime, endTime: span.endTime, duration: span.duration,
		ended: span.ended, attributes: span.attributes, status: span.status, events: span.events,
		links: span.links.map(l => ({ context: ctxJson(l.context), attributes: l.attributes, droppedAttributesCount: l.droppedAttributesCount })),
		resource: { attributes: span.resource.attributes, schemaUrl: span.resource.schemaUrl },
		instrumentationScope: span.instrumentationScope, droppedAttributesCount: span.droppedAttributesCount,
		droppedEventsCount: span.droppedEventsCount, droppedLinksCount: span.droppedLinksCount,
	};
}
const stringifySpan = mode === 'old' ? safeStringify : s => JSON.stringify(readableSpanToJson(s));
class Base { constructor(p) { this.writeStream = fs.createWriteStream(p, { flags: 'a' }); } shutdown() { return new Promise(r => this.writeStream.end(r)); } forceFlush() { return Promise.resolve(); } }
const done = cb => e => cb({ code: e ? ExportResultCode.FAILED : ExportResultCode.SUCCESS });
class FileSpanExporter extends Base { export(spans, cb) { this.writeStream.write(spans.map(s => stringifySpan(s) + '\n').join(''), done(cb)); } }
class FileLogExporter extends Base { export(logs, cb) { this.writeStream.write(logs.map(l => safeStringify(l) + '\n').join(''), done(cb)); } }
class FileMetricExporter extends Base { export(m, cb) { this.writeStream.write(safeStringify(m) + '\n', done(cb)); } selectAggregationTemporality() { return AggregationTemporality.CUMULATIVE; } }

const resource = resourceFromAttributes({ 'service.name': 'copilot-chat', 'service.version': version, 'session.id': `window-${mode}` });
const tp = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(new FileSpanExporter(out))] });
const lp = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor(new FileLogExporter(out))] });
const reader = new PeriodicExportingMetricReader({ exporter: new FileMetricExporter(out), exportIntervalMillis: 1e9 });
const mp = new MeterProvider({ resource, readers: [reader] });
const tracer = tp.getTracer('copilot-chat', version);
const logger = lp.getLogger('copilot-chat', version);
const tokens = mp.getMeter('copilot-chat', version).createHistogram('gen_ai.client.token.usage', { unit: '{token}' });
const t = iso => new Date(iso);
const hr = iso => { const ms = Date.parse(iso); return [Math.floor(ms / 1000), (ms % 1000) * 1e6]; };

// One model request: a chat span, the inference-details log record inside it, the token metric.
function request(parentCtx, conv, at, endAt, req) {
	const span = tracer.startSpan(`chat ${req.model}`, { kind: api.SpanKind.CLIENT, startTime: t(at), attributes: {
		'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'github', 'gen_ai.request.model': req.model,
		'gen_ai.conversation.id': conv, 'gen_ai.request.max_tokens': 4096, 'copilot_chat.request.max_prompt_tokens': 128000,
		...(req.label ? { 'copilot_chat.debug_log_label': req.label } : {}) } }, parentCtx);
	const usage = {
		'gen_ai.usage.input_tokens': req.input, 'gen_ai.usage.output_tokens': req.output,
		'gen_ai.response.model': req.resolved, 'gen_ai.response.id': req.id, 'gen_ai.response.finish_reasons': ['stop'],
		...(req.cacheRead ? { 'gen_ai.usage.cache_read.input_tokens': req.cacheRead } : {}),
		...(req.cacheWrite ? { 'gen_ai.usage.cache_creation.input_tokens': req.cacheWrite } : {}),
		'copilot_chat.time_to_first_token': 420,
		...(req.reasoning ? { 'gen_ai.usage.reasoning_tokens': req.reasoning, 'gen_ai.usage.reasoning.output_tokens': req.reasoning } : {}),
	};
	tokens.record(req.input, { 'gen_ai.token.type': 'input', 'gen_ai.request.model': req.model, 'gen_ai.response.model': req.resolved });
	tokens.record(req.output, { 'gen_ai.token.type': 'output', 'gen_ai.request.model': req.model, 'gen_ai.response.model': req.resolved });
	span.setAttributes(usage);
	logger.emit({ timestamp: t(endAt), body: `GenAI inference: ${req.model}`, context: api.trace.setSpan(parentCtx, span), attributes: {
		'event.name': 'gen_ai.client.inference.operation.details', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': req.model,
		'gen_ai.response.model': req.resolved, 'gen_ai.response.id': req.id, 'gen_ai.response.finish_reasons': ['stop'],
		'gen_ai.usage.input_tokens': req.input, 'gen_ai.usage.output_tokens': req.output, 'gen_ai.request.max_tokens': 4096 } });
	span.end(t(endAt));
	return req;
}

function agent(conv, at, endAt, reqs) {
	const a = tracer.startSpan('invoke_agent GitHub Copilot Chat', { kind: api.SpanKind.INTERNAL, startTime: t(at), attributes: {
		'gen_ai.operation.name': 'invoke_agent', 'gen_ai.provider.name': 'github', 'gen_ai.agent.name': 'GitHub Copilot Chat',
		'gen_ai.conversation.id': conv } });
	const ctx = api.trace.setSpan(api.context.active(), a);
	let input = 0, output = 0, read = 0, write = 0, reasoning = 0, last;
	reqs.forEach((r, i) => {
		request(ctx, conv, r.at, r.endAt, r);
		logger.emit({ timestamp: t(r.endAt), body: `copilot_chat.agent.turn: ${i}`, context: ctx, attributes: {
			'event.name': 'copilot_chat.agent.turn', 'turn.index': i, 'gen_ai.usage.input_tokens': r.input,
			'gen_ai.usage.output_tokens': r.output, 'tool_call_count': 0 } });
		input += r.input; output += r.output; read += r.cacheRead || 0; write += r.cacheWrite || 0; reasoning += r.reasoning || 0; last = r;
	});
	// toolCallingLoop.ts: the agent span sums its turns (and newer versions copy the last response id).
	a.setAttributes({ 'copilot_chat.turn_count': reqs.length, 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output,
		'gen_ai.response.model': last.resolved,
		...(mode === 'new' ? { 'gen_ai.response.id': last.id, 'gen_ai.usage.cache_read.input_tokens': read,
			'gen_ai.usage.cache_creation.input_tokens': write, 'gen_ai.usage.reasoning.output_tokens': reasoning } : {}) });
	a.end(t(endAt));
}

if (mode === 'new') {
	agent('vs-conv-1', '2026-11-30T10:00:00.000Z', '2026-11-30T10:00:09.000Z', [
		{ model: 'gpt-4o', resolved: 'gpt-4o-2024-11-20', id: 'req-a1', input: 1500, output: 250, cacheRead: 1024, reasoning: 64,
		  at: '2026-11-30T10:00:01.000Z', endAt: '2026-11-30T10:00:03.000Z' },
		{ model: 'claude-sonnet-4', resolved: 'claude-sonnet-4', id: 'req-a2', input: 5000, output: 400, cacheRead: 3000, cacheWrite: 1500,
		  at: '2026-11-30T10:00:05.000Z', endAt: '2026-11-30T10:00:08.000Z' },
	]);
	// A title request (a child session's chat span, no agent around it), just before midnight UTC.
	request(api.context.active(), 'vs-conv-1', '2026-11-30T23:59:59.500Z', '2026-12-01T00:00:00.400Z',
		{ model: 'gpt-4o-mini', resolved: 'gpt-4o-mini', id: 'req-t1', input: 300, output: 12, label: 'title' });
} else {
	agent('vs-old-1', '2026-11-29T08:00:00.000Z', '2026-11-29T08:00:15.000Z', [
		{ model: 'gpt-4.1', resolved: 'gpt-4.1-2025-04-14', id: 'req-o1', input: 2000, output: 100, cacheRead: 1200, reasoning: 30,
		  at: '2026-11-29T08:00:01.000Z', endAt: '2026-11-29T08:00:04.000Z' },
		{ model: 'gpt-4.1', resolved: 'gpt-4.1-2025-04-14', id: 'req-o2', input: 2600, output: 80,
		  at: '2026-11-29T08:00:10.000Z', endAt: '2026-11-29T08:00:14.000Z' },
	]);
}
await reader.forceFlush();
await tp.shutdown(); await lp.shutdown(); await mp.shutdown();
