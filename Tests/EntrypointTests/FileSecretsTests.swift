import Entrypoint
import Templater
import Testing

@Suite struct FileSecretsTests {
    @Test(arguments: [
        ("DB_PASSWORD", true), ("MYSQL_ROOT_PASSWORD", true), ("DJANGO_SECRET_KEY", true),
        ("API_TOKEN", true), ("POSTGRES_USER", false), ("SSL_CERT", false),
        ("TF_CLI_CONFIG", false),
        ("LOG", false), ("AWS_WEB_IDENTITY_TOKEN", false), ("AWS_SECRET_ACCESS_KEY", false),
    ])
    func autoTakesSecretLookingNames(_ name: String, _ covered: Bool) {
        #expect(FileSecrets.auto.covers(name) == covered)
    }

    @Test func explicitChoices() {
        #expect(FileSecrets.all.covers("LOG"))
        #expect(!FileSecrets.off.covers("DB_PASSWORD"))
        #expect(FileSecrets.only(["POSTGRES_USER"]).covers("POSTGRES_USER"))
        #expect(!FileSecrets.only(["POSTGRES_USER"]).covers("DB_PASSWORD"))
    }
}

/// `--file-env=WHICH`, parsed once for both tools (`FileSecrets(parsing:origin:)`).
@Suite struct FileSecretsParsingTests {
    @Test(arguments: [
        ("auto", FileSecrets.auto), ("true", .auto), ("ON", .auto), ("all", .all), ("off", .off),
        ("none", .off), ("0", .off), ("DB_PASSWORD", .only(["DB_PASSWORD"])),
        ("DB_PASSWORD_FILE, POSTGRES_USER", .only(["DB_PASSWORD", "POSTGRES_USER"])),
        ("${A} ${B}", .only(["A", "B"])),
    ])
    func forms(_ text: String, _ expected: FileSecrets) throws {
        #expect(try FileSecrets(parsing: text, origin: "--file-env") == expected)
    }

    @Test(arguments: [
        ("1X", "--file-env: '1X' is not a variable name"),
        (",", "--file-env: ',' names no variable"),
        ("", "--file-env: '' names no variable"),
    ])
    func errorsNameTheOrigin(_ text: String, _ message: String) {
        #expect(throws: TemplaterError.usage(message)) {
            try FileSecrets(parsing: text, origin: "--file-env")
        }
    }
}
