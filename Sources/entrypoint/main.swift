import CLI
import Glibc
import Platform

// The binary an image ships: `entrypoint`, or `templater`, `envsubst`, `wait-for` when invoked under
// those names.
exit(MultiCall.main(CommandLine.arguments, otherwise: .entrypoint))
