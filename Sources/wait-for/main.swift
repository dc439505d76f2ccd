import CLI
import Glibc
import Platform

// `wait-for`, or the tool it is invoked as (`templater`, `envsubst`, `entrypoint`).
exit(MultiCall.main(CommandLine.arguments, otherwise: .waitFor))
