// tokenprint for opencode: when a session goes idle, run `tokenprint-hook opencode`,
// which reads opencode's own database (read only) into the tokenprint ledger.
//
// Fire and forget: the hook runs detached with its output ignored, nothing awaits it,
// and every error (no tokenprint-hook on PATH, a failed spawn, a closed pipe) is
// swallowed, so opencode is never delayed and never sees an error from here.
// `tokenprint hooks install opencode` writes this file with the full path of the
// hook program; see plugins/opencode/README.md.
import { spawn } from "node:child_process"

const ARGV = ["tokenprint-hook", "opencode"] // tokenprint-argv

// session.idle and session.status {type: "idle"} arrive together: one run per session.
const recent = new Map()
const QUIET_MS = 1000

function run(payload) {
  try {
    const child = spawn(ARGV[0], ARGV.slice(1), {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
      windowsHide: true,
    })
    child.on("error", () => {})
    if (child.stdin) {
      child.stdin.on("error", () => {})
      child.stdin.end(JSON.stringify(payload))
    }
    child.unref()
  } catch {
    // never let a spawn failure reach opencode
  }
}

function idleSession(event) {
  if (!event || typeof event !== "object") return undefined
  const props = event.properties || {}
  if (event.type === "session.idle") return props.sessionID
  if (event.type === "session.status" && props.status && props.status.type === "idle") return props.sessionID
  return undefined
}

export const TokenprintPlugin = async (input) => {
  const directory = (input && (input.directory || input.worktree)) || undefined
  return {
    event: async ({ event } = {}) => {
      try {
        const sessionID = idleSession(event)
        if (typeof sessionID !== "string" || !sessionID) return
        const now = Date.now()
        const last = recent.get(sessionID)
        if (last !== undefined && now - last < QUIET_MS) return
        recent.set(sessionID, now)
        if (recent.size > 512) recent.delete(recent.keys().next().value)
        run({ hook_event_name: "session.idle", session_id: sessionID, directory })
      } catch {
        // swallowed: tokenprint must never disturb opencode
      }
    },
  }
}
