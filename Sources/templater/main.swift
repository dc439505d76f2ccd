import CLI
import Platform

// `templater`, or the tool it is invoked as (`envsubst`, `wait-for`, `entrypoint`).
exitProcess(MultiCall.main(CommandLine.arguments, otherwise: .templater))
