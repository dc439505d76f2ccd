import Entrypoint
import Foundation
import TestSupport
import Testing

@Suite struct UserDatabaseTests {
    static let passwd = """
        root:x:0:0:root:/root:/bin/bash
        # a comment
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
        app:x:1000:1000:App:/home/app:/bin/sh
        nohome:x:1001:1001:::/bin/sh
        +nis::::::

        """
    static let group = """
        root:x:0:
        www-data:x:33:app,other
        nogroup:x:65534:
        app:x:1000:
        docker:x:999:other,app

        """

    func database() -> (UserDatabase, String) {
        let directory = Paths.temporaryDirectory("users")
        writeFile(directory + "/passwd", Self.passwd)
        writeFile(directory + "/group", Self.group)
        return (UserDatabase(directory: directory), directory)
    }

    @Test(arguments: [
        (
            "a name", "app",
            ResolvedUser(
                name: "app", uid: 1000, gid: 1000, groups: [1000, 33, 999], home: "/home/app")
        ),
        (
            "a name with a group name", "app:www-data",
            ResolvedUser(name: "app", uid: 1000, gid: 33, groups: [33], home: "/home/app")
        ),
        (
            "a name with a numeric group", "nobody:5",
            ResolvedUser(name: "nobody", uid: 65534, gid: 5, groups: [5], home: "/nonexistent")
        ),
        (
            "a numeric uid in passwd", "65534",
            ResolvedUser(
                name: "nobody", uid: 65534, gid: 65534, groups: [65534], home: "/nonexistent")
        ),
        (
            "a numeric uid not in passwd: gid 0, home /", "4242",
            ResolvedUser(name: nil, uid: 4242, gid: 0, groups: [0], home: "/")
        ),
        (
            "numeric uid and gid", "4242:4343",
            ResolvedUser(name: nil, uid: 4242, gid: 4343, groups: [4343], home: "/")
        ),
        (
            "an empty home is /", "nohome",
            ResolvedUser(name: "nohome", uid: 1001, gid: 1001, groups: [1001], home: "/")
        ),
    ])
    func resolves(_ behaviour: String, _ text: String, _ expected: ResolvedUser) throws {
        let (database, directory) = database()
        defer { Paths.removeTree(directory) }
        let spec = try UserSpec(parsing: text, source: "--user")
        #expect(try database.resolve(spec) == expected, "\(behaviour)")
    }

    @Test func unknownNamesAreUsageErrors() throws {
        let (database, directory) = database()
        defer { Paths.removeTree(directory) }
        #expect(throws: EntrypointError.usage("--user: no user 'ghost' in \(directory)/passwd")) {
            try database.resolve(UserSpec(parsing: "ghost", source: "--user"))
        }
        #expect(throws: EntrypointError.usage("--user: no group 'ghosts' in \(directory)/group")) {
            try database.resolve(UserSpec(parsing: "app:ghosts", source: "--user"))
        }
    }

    @Test(arguments: [
        ("", "--user: '' names no user (USER[:GROUP])"),
        (":app", "--user: ':app' names no user (USER[:GROUP])"),
        ("app:", "--user: 'app:' names no group after ':' (USER[:GROUP])"),
    ])
    func malformedSpecs(_ text: String, _ message: String) {
        #expect(throws: EntrypointError.usage(message)) {
            try UserSpec(parsing: text, source: "--user")
        }
    }
}
