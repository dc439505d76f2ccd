import CLI
import Platform

exit(WaitForCommand.main(Array(CommandLine.arguments.dropFirst())))
