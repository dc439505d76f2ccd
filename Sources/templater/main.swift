import CLI
import Platform

exit(TemplaterCommand.main(Array(CommandLine.arguments.dropFirst())))
