import Testing
import WaitFor

@Suite struct LibraryLinksTests {
    @Test func libraryLinks() {
        #expect(String(describing: WaitFor.self) == "WaitFor")
    }
}
