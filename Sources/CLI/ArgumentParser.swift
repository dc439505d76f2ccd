import Platform

/// A usage error: an unknown flag, a missing or malformed value. Exit code 64, message names the flag.
public struct UsageError: Error, CustomStringConvertible {
    /// What was wrong, naming the flag or variable, e.g. `--timeout: '5x' is not a duration`.
    public var message: String

    /// Creates a usage error with `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// One command-line argument as the parser sees it.
public enum Argument: Equatable {
    /// `--name`, `--name=value` or `-n` (then `inlineValue` holds the rest of a bundled `-nVALUE`).
    case flag(String, inlineValue: String?)
    /// An operand.
    case operand(String)
    /// `--`: everything after it is operands (for `wait-for` and `entrypoint`, the command).
    case terminator
}

/// A GNU-style argument reader: long flags with `=value` or a separate value, short flags, `--`.
///
/// Flags are recognised anywhere until `--` or, when `stopAtFirstOperand` is set, until the first
/// operand (so that `entrypoint nginx -g 'daemon off;'` hands `-g` to nginx).
public struct ArgumentReader {
    private var arguments: [String]
    private var index = 0
    private var stopAtFirstOperand: Bool
    private var onlyOperands = false

    /// Creates a reader over `arguments` (without the program name).
    public init(_ arguments: [String], stopAtFirstOperand: Bool = false) {
        self.arguments = arguments
        self.stopAtFirstOperand = stopAtFirstOperand
    }

    /// The arguments not read yet.
    public var remaining: [String] { Array(arguments[index...]) }

    /// The next argument, or nil at the end.
    public mutating func next() -> Argument? {
        guard index < arguments.count else { return nil }
        let argument = arguments[index]
        index += 1
        if onlyOperands { return .operand(argument) }
        if argument == "--" {
            onlyOperands = true
            return .terminator
        }
        if argument.hasPrefix("--") {
            if let equals = argument.firstIndex(of: "=") {
                return .flag(
                    String(argument[..<equals]),
                    inlineValue: String(argument[argument.index(after: equals)...]))
            }
            return .flag(argument, inlineValue: nil)
        }
        if argument.hasPrefix("-") && argument.count > 1 {
            let name = String(argument.prefix(2))
            let rest = String(argument.dropFirst(2))
            return .flag(name, inlineValue: rest.isEmpty ? nil : rest)
        }
        if stopAtFirstOperand { onlyOperands = true }
        return .operand(argument)
    }

    /// The value of `flag`: its inline value, or the next argument.
    public mutating func value(of flag: String, inline: String?) throws(UsageError) -> String {
        if let inline { return inline }
        guard index < arguments.count else { throw UsageError("\(flag) needs a value") }
        let value = arguments[index]
        index += 1
        return value
    }
}
