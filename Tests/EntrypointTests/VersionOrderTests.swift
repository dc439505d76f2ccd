import Entrypoint
import Foundation
import TestSupport
import Testing

@Suite struct VersionOrderTests {
    static let names = [
        "10-migrate.sh", "9-seed.sh", "2-b", "02-a", "1.10-x", "1.9-x", "a", "A", "b~1", "b", "b1",
        "20-envsubst-on-templates.sh", "30-tune-worker-processes.sh",
        "10-listen-on-ipv6-by-default.sh",
        "x.tar.gz", "x.tar", "x", "x1.tar.gz", "x10", "x9", ".hidden", ".", "..", "_under", "1",
        "01",
        "001", "v1.2.3", "v1.2.10", "v1.2.3~rc1", "hook-2", "hook-10", "hook", "z.sh~", "z.sh",
    ]

    @Test func matchesSortDashV() throws {
        let result = try run(
            "/usr/bin/sort", ["-V"], input: Self.names.joined(separator: "\n") + "\n")
        let expected = result.out.split(separator: "\n").map(String.init)
        #expect(Self.names.sorted(by: VersionOrder.areInIncreasingOrder) == expected)
    }

    @Test(arguments: [
        ("numbers compare as numbers", "9-seed.sh", "10-migrate.sh"),
        ("leading zeros do not count", "1-a", "02-b"),
        ("tilde sorts before the end", "1.0~rc1", "1.0"),
        ("hidden names first", ".env", "0-first"),
        ("suffixes compare last", "x.tar.gz", "x1.tar.gz"),
    ])
    func orders(_ behaviour: String, _ first: String, _ second: String) {
        #expect(VersionOrder.areInIncreasingOrder(first, second), "\(behaviour)")
        #expect(!VersionOrder.areInIncreasingOrder(second, first), "\(behaviour)")
    }
}
