import Foundation
import Platform
import TestSupport
import Testing

@testable import Entrypoint

/// Which directories the watch watches for each input, and which names matter there.
@Suite struct WatchPlanTests {
    typealias Filter = WatchPlan.NameFilter

    /// A volume as kubelet lays it out, made by Tests/Kubelet/atomic_writer.py.
    static func kubeletVolume(_ volume: String, _ keys: [String: String]) throws {
        let source = Paths.temporaryDirectory("keys")
        defer { Paths.removeTree(source) }
        for (key, text) in keys { writeFile(source + "/" + key, text) }
        let result = try run(
            "/usr/bin/python3",
            [Paths.packageRoot + "/Tests/Kubelet/atomic_writer.py", volume, "--from", source])
        #expect(result.status == .exited(0), "\(result.err)")
    }

    @Test func aTemplateFileIsWatchedThroughItsDirectoryForItsNameNotItsLinksTarget() throws {
        let root = Paths.temporaryDirectory("plan")
        defer { Paths.removeTree(root) }
        try Self.kubeletVolume(root + "/config", ["app.conf.template": "x"])
        let plan = WatchPlan(
            WatchInputs(
                templates: [root + "/config/app.conf.template"], suffix: ".template",
                envFiles: [], secretFiles: []))
        #expect(plan.directories.map(\.path) == [root + "/config"])
        #expect(plan.filter(for: root + "/config") == Filter(names: ["app.conf.template"]))
    }

    @Test func aTemplateDirectoryIsWatchedWithItsSubdirectoriesAndThroughItsParent() throws {
        let root = Paths.temporaryDirectory("plan")
        defer { Paths.removeTree(root) }
        mkdir(root + "/templates", 0o755)
        mkdir(root + "/templates/conf.d", 0o755)
        mkdir(root + "/templates/..2026_01_01", 0o755)
        symlink("conf.d", root + "/templates/loop")
        writeFile(root + "/templates/conf.d/site.conf.template", "x")
        let plan = WatchPlan(
            WatchInputs(
                templates: [root + "/templates"], suffix: ".template", envFiles: [],
                secretFiles: []))
        // The link to conf.d is the same tree: walked once.
        #expect(
            plan.directories.map(\.path) == [
                root + "/templates", root + "/templates/conf.d", root,
            ])
        #expect(plan.filter(for: root + "/templates") == Filter(templateSuffix: ".template"))
        #expect(plan.filter(for: root) == Filter(names: ["templates"]))
    }

    @Test func envAndSecretFilesInOneDirectoryShareItsWatch() throws {
        let root = Paths.temporaryDirectory("plan")
        defer { Paths.removeTree(root) }
        writeFile(root + "/app.env", "A=1\n")
        writeFile(root + "/db_password", "s3cret")
        let plan = WatchPlan(
            WatchInputs(
                templates: [], suffix: ".template", envFiles: [root + "/app.env"],
                secretFiles: [root + "/db_password"]))
        #expect(plan.directories.map(\.path) == [root])
        #expect(plan.filter(for: root) == Filter(names: ["app.env", "db_password"]))
    }

    @Test func aMissingDirectoryIsWatchedThroughItsNearestAncestorForTheNextName() throws {
        let root = Paths.temporaryDirectory("plan")
        defer { Paths.removeTree(root) }
        let plan = WatchPlan(
            WatchInputs(
                templates: [root + "/volume/sub/app.conf.template"], suffix: ".template",
                envFiles: [], secretFiles: []))
        #expect(plan.directories.map(\.path) == [root])
        #expect(plan.filter(for: root) == Filter(names: ["volume"]))
    }

    /// One event and whether it matters to a filter.
    struct EventRow: Sendable, CustomTestStringConvertible {
        var behaviour: String
        var filter: Filter
        var name: String
        var mask: Inotify.Mask
        var matters: Bool
        var testDescription: String { behaviour }

        init(
            _ behaviour: String, _ filter: Filter, _ name: String, _ mask: Inotify.Mask,
            _ matters: Bool
        ) {
            (self.behaviour, self.filter, self.name, self.mask, self.matters) = (
                behaviour, filter, name, mask, matters
            )
        }
    }

    @Test(arguments: [
        EventRow("the file's own name", Filter(names: ["app.env"]), "app.env", .movedTo, true),
        EventRow("kubelet's ..data swap", Filter(names: ["app.env"]), "..data", .movedTo, true),
        EventRow("the directory itself", Filter(names: ["app.env"]), "", .deleteSelf, true),
        EventRow("another file", Filter(names: ["app.env"]), "other.env", .closeWrite, false),
        EventRow("kubelet's ..data_tmp", Filter(names: ["app.env"]), "..data_tmp", .create, false),
        EventRow(
            "a template", Filter(templateSuffix: ".template"), "a.conf.template", .closeWrite, true),
        EventRow(
            "an editor's swap file", Filter(templateSuffix: ".template"), ".a.swp", .modify, false),
        EventRow(
            "a backup file", Filter(templateSuffix: ".template"), "a.conf.template~", .create, false
        ),
        EventRow(
            "a new directory", Filter(templateSuffix: ".template"), "sub", [.create, .isDirectory],
            true),
        EventRow(
            "kubelet's timestamped directory", Filter(templateSuffix: ".template"), "..2026_12_02",
            [.create, .isDirectory], false),
        EventRow(
            "any file when the suffix is empty", Filter(templateSuffix: ""), "app.conf", .modify,
            true),
    ])
    func whichNamesMatter(_ row: EventRow) {
        #expect(row.filter.matters(row.name, mask: row.mask, in: "/nonexistent") == row.matters)
    }
}
