import WaitFor

extension Startup {
    /// Phase 3: every target awaited in parallel.
    func waitForTargets(_ environment: [String: String]) throws(EntrypointError) {
        guard configuration.waitTargets.isEmpty else {
            throw .usage("waiting waits for the WaitFor library")
        }
    }
}
