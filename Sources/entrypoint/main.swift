import CLI
import Platform

// The shipped binary: `entrypoint`, or `templater`, `envsubst`, `wait-for` when invoked under those names.
exit(MultiCall.main(CommandLine.arguments))
