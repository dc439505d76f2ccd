import CLI
import Platform

// The binary an image ships: `entrypoint`, or `templater`, `envsubst`, `wait-for` when invoked under
// those names.
exitProcess(MultiCall.main(CommandLine.arguments, otherwise: .entrypoint))
