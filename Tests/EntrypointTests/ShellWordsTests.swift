import Entrypoint
import Testing

@Suite struct ShellWordsTests {
    @Test(arguments: [
        ("blanks separate words", "migrate  --noinput\t-v 2", ["migrate", "--noinput", "-v", "2"]),
        (
            "single quotes are literal", #"sh -c 'echo "$HOME" \n'"#,
            ["sh", "-c", #"echo "$HOME" \n"#]
        ),
        ("double quotes keep blanks", #"echo "a  b""#, ["echo", "a  b"]),
        (
            "backslash in double quotes escapes \" only", #"echo "a\"b\\c\d""#,
            ["echo", #"a"b\c\d"#]
        ),
        ("backslash outside quotes", #"echo a\ b \'"#, ["echo", "a b", "'"]),
        ("adjacent parts join", #"--name='x y'"z"w"#, ["--name=x yzw"]),
        ("empty quotes are an empty word", "printf '%s' '' \"\"", ["printf", "%s", "", ""]),
        (
            "no expansion of $, ` or globs", "echo $HOME `id` * ~",
            ["echo", "$HOME", "`id`", "*", "~"]
        ),
        ("comment at a word start", "migrate # apply first\n", ["migrate"]),
        ("# inside a word is literal", "echo a#b", ["echo", "a#b"]),
        ("backslash-newline joins lines", "manage.py \\\nmigrate", ["manage.py", "migrate"]),
        ("trailing backslash is kept", "echo a\\", ["echo", "a\\"]),
        ("quoted operators are literal", "echo '|' \"&&\" \\;", ["echo", "|", "&&", ";"]),
        ("only blanks", "  \t ", []),
    ])
    func splits(_ behaviour: String, _ text: String, _ words: [String]) throws {
        #expect(try ShellWords.split(text) == words, "\(behaviour)")
    }

    @Test(arguments: [
        ("unterminated single quote", "echo 'abc", "unterminated single quote"),
        ("unterminated double quote", "echo \"abc", "unterminated double quote"),
        (
            "a pipe needs a shell", "migrate | tee log",
            "'|' is shell syntax, and hooks run without a shell: quote it, or use a script or sh -c '...'"
        ),
        (
            "&& needs a shell", "a && b",
            "'&' is shell syntax, and hooks run without a shell: quote it, or use a script or sh -c '...'"
        ),
        (
            "a redirection needs a shell", "migrate >log",
            "'>' is shell syntax, and hooks run without a shell: quote it, or use a script or sh -c '...'"
        ),
    ])
    func rejects(_ behaviour: String, _ text: String, _ message: String) {
        #expect(throws: ShellWordsError(message: message), "\(behaviour)") {
            try ShellWords.split(text)
        }
    }
}
