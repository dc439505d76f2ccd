import Testing

@testable import Entrypoint

/// The pieces of the nginx image parity that the differential test does not reach row by row.
@Suite struct NginxParityUnitTests {
    @Test(arguments: [
        (
            "empty", "", "d41d8cd98f00b204e9800998ecf8427e",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        ),
        (
            "one block", "abc", "900150983cd24fb0d6963f7d28e17f72",
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        ),
        (
            "two blocks",
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a", "50abf5706a150990a08b2c5ea40fa0e585554732"
        ),
    ])
    func digests(_ behaviour: String, _ text: String, _ md5: String, _ sha1: String) {
        #expect(PackageDigest.md5Hex(Array(text.utf8)) == md5, "\(behaviour)")
        let hex = PackageDigest.sha1(Array(text.utf8)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
        #expect(hex == sha1, "\(behaviour)")
    }

    @Test func apkChecksumsAreBase64SHA1() throws {
        let conf = Array("server { listen       80; }\n".utf8)
        let installed = """
            P:musl
            F:lib

            P:nginx
            V:1.28.0-r1
            F:etc/nginx/conf.d
            R:default.conf
            Z:Q1\(base64(PackageDigest.sha1(conf)))
            """
        #expect(NginxIPv6Listen.apkSHA1(installed, package: "nginx") == PackageDigest.sha1(conf))
        #expect(NginxIPv6Listen.apkSHA1(installed, package: "musl") == nil)
    }

    private func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var text = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(0) {
                $0 | Int($1.element) << (16 - 8 * $1.offset)
            }
            for position in 0..<4 {
                text.append(
                    position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
            }
            index += 3
        }
        return text
    }

    @Test(arguments: [
        ("a range and singles", "0-3,8,10-11\n", 7 as Int?),
        ("one CPU", "0\n", 1),
        ("a backwards range counts nothing", "3-1", 0),
        ("not a cpulist", "all", nil),
    ])
    func cpuLists(_ behaviour: String, _ text: String, _ count: Int?) {
        #expect(NginxWorkerProcesses.countCPUs(inList: text) == count, "\(behaviour)")
    }

    @Test func aCgroupMountOutsideTheProcessCgroupIsNotUsed() {
        let files = [
            "/proc/self/mountinfo":
                "30 25 0:26 /other /sys/fs/cgroup/cpuset ro - cgroup cgroup rw,cpuset\n",
            "/proc/self/cgroup": "3:cpuset:/docker/abc\n",
            "/sys/fs/cgroup/cpuset/cpuset.effective_cpus": "0\n",
        ]
        let tuner = NginxWorkerProcesses(read: { files[$0] }, online: 4)
        #expect(tuner.cgroupV1Path("cpuset") == nil)
        #expect(tuner.cpuCount() == 4)
    }

    @Test(arguments: [
        (
            "dash", "export A='x y'\nexport B='it'\\''s'\nexport C\nexport D='two\nlines'\n",
            ["A": "x y", "B": "it's", "D": "two\nlines"]
        ),
        (
            "bash", "declare -x A=\"x \\\"y\\\"\"\ndeclare -x B=\"\\$HOME\"\n",
            ["A": "x \"y\"", "B": "$HOME"]
        ),
    ])
    func exportListings(_ shell: String, _ text: String, _ variables: [String: String]) throws {
        #expect(
            NginxEntrypoint.exportedVariables(try ShellWords.split(text)) == variables, "\(shell)")
    }

    @Test(arguments: [
        ("a stream block", "stream {\n", true),
        ("no blank before the brace", "  stream{", true),
        ("upstream is not stream", "upstream backend {\n", false),
        ("stream without a brace", "# stream templates\n", false),
    ])
    func streamBlocks(_ behaviour: String, _ text: String, _ opens: Bool) {
        #expect(NginxTemplates.opensStreamBlock(text) == opens, "\(behaviour)")
    }
}
