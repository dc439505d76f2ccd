import Entrypoint
import Testing

@Suite struct LibraryLinksTests {
    @Test func libraryLinks() {
        #expect(String(describing: Entrypoint.self) == "Entrypoint")
    }
}
