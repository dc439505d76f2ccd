import Platform
import Templater
import WaitFor

/// Start-up phases and the process model: the `Entrypoint` library.
public enum Entrypoint {}
