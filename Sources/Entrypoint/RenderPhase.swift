import Templater

extension Startup {
    /// Phase 2: every template rendered atomically, all-or-nothing.
    func renderTemplates(_ environment: [String: String]) throws(EntrypointError) {
        guard configuration.templates.isEmpty else {
            throw .usage("rendering waits for the Templater's renderFiles")
        }
    }
}
