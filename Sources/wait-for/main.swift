import CLI
import Platform

// `wait-for`, or the tool it is invoked as (`templater`, `envsubst`, `entrypoint`).
exitProcess(MultiCall.main(CommandLine.arguments, otherwise: .waitFor))
