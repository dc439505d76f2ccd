import Glibc
import CLI
import Platform

// `templater`, or the tool it is invoked as (`envsubst`, `wait-for`, `entrypoint`).
exit(MultiCall.main(CommandLine.arguments, otherwise: .templater))
