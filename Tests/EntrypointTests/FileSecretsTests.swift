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
