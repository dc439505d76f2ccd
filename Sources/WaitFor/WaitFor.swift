import Platform

/// Readiness probes: the `WaitFor` library (see `Sources/WaitFor`).
public enum WaitFor {}
