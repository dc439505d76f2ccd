import CLI
import Glibc
import Platform

// `templater`, or the tool it is invoked as (`envsubst`, `wait-for`, `entrypoint`).
exit(MultiCall.main(CommandLine.arguments, otherwise: .templater))
