import Platform

/// The nginx image's `10-listen-on-ipv6-by-default.sh`, built in: the packaged
/// `/etc/nginx/conf.d/default.conf` also listens on `[::]:80` when the machine has IPv6.
///
/// The file is edited only when every check passes, each failing one logged: IPv6 is available
/// (`/proc/net/if_inet6` exists); the file exists and it and its directory are writable; it does
/// not listen on IPv6 already (a restarted container); and it is byte for byte the packaged one —
/// its MD5 is the one in dpkg's `Conffiles` for the `nginx` package (`/var/lib/dpkg/status`, on
/// Debian) or its SHA-1 the one apk recorded (`/lib/apk/db/installed`, on Alpine), the
/// distribution being `ID` of `/etc/os-release`. The edit adds `    listen  [::]:80;` after each
/// `listen       80;`, atomically.
struct NginxIPv6Listen {
    /// Reads a file below the root; nil when it cannot be read.
    var read: (String) -> [UInt8]?
    /// The root the paths are below (`""`: the real one).
    var root: String

    static let path = "/etc/nginx/conf.d/default.conf"
    private static let ipv4Listen = "listen       80;"
    private static let ipv6Listen = "listen  [::]:80;"

    /// Runs the step; `log` receives one line saying what it did or why not.
    func run(log: (String) -> Void) throws(EntrypointError) {
        let file = root + Self.path
        guard isRegularFile(root + "/proc/net/if_inet6") else {
            log("IPv6 is not available (no /proc/net/if_inet6): \(Self.path) unchanged")
            return
        }
        guard isRegularFile(file), let bytes = read(Self.path) else {
            log("\(Self.path) is not a file: no IPv6 listen to enable")
            return
        }
        guard isWritable(file), isWritable(root + "/etc/nginx/conf.d") else {
            log("cannot modify \(Self.path) (read-only file system?): unchanged")
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.containsText(Self.ipv6Listen) {
            log("\(Self.path) listens on IPv6 already")
            return
        }
        guard let osRelease = read("/etc/os-release") else {
            log("cannot tell the distribution (no /etc/os-release): \(Self.path) unchanged")
            return
        }
        let distribution = Self.osReleaseID(String(decoding: osRelease, as: UTF8.self))
        let packaged: Bool
        switch distribution {
        case "debian":
            let status = read("/var/lib/dpkg/status").map { String(decoding: $0, as: UTF8.self) }
            let expected = status.flatMap { Self.dpkgConffileMD5($0, package: "nginx") }
            packaged = expected == PackageDigest.md5Hex(bytes)
        case "alpine":
            let installed = read("/lib/apk/db/installed").map {
                String(decoding: $0, as: UTF8.self)
            }
            let expected = installed.flatMap { Self.apkSHA1($0, package: "nginx") }
            packaged = expected == PackageDigest.sha1(bytes)
        default:
            log("unsupported distribution '\(distribution ?? "")': \(Self.path) unchanged")
            return
        }
        guard packaged else {
            log("\(Self.path) differs from the packaged version: unchanged")
            return
        }
        let edited = Self.enabled(text)
        do {
            try replaceFile(file, with: Array(edited.utf8))
        } catch {
            throw .output(path: Self.path, error)
        }
        log("enabled listen on IPv6 in \(Self.path)")
    }

    /// `text` with `    listen  [::]:80;` after the first `listen       80;` of every line.
    static func enabled(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let line = String(line)
            guard let offset = line.utf8Offset(of: ipv4Listen) else { return line }
            let bytes = Array(line.utf8)
            let end = offset + ipv4Listen.utf8.count
            return String(decoding: bytes[..<end], as: UTF8.self) + "\n    " + ipv6Listen
                + String(decoding: bytes[end...], as: UTF8.self)
        }.joined(separator: "\n")
    }

    /// `ID` of an os-release file, unquoted.
    static func osReleaseID(_ text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("ID=") {
            var value = line.dropFirst(3)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'",
                value.last == first
            {
                value = value.dropFirst().dropLast()
            }
            return String(value)
        }
        return nil
    }

    /// The MD5 that dpkg recorded for `default.conf` in `package`'s `Conffiles` field (lines
    /// ` /etc/nginx/conf.d/default.conf <md5>` of the package's stanza in the status file).
    static func dpkgConffileMD5(_ status: String, package: String) -> String? {
        for stanza in stanzas(status) {
            let lines = stanza
            guard lines.contains(where: { $0 == "Package: \(package)" }) else { continue }
            var inConffiles = false
            for line in lines {
                if line.hasPrefix("Conffiles:") {
                    inConffiles = true
                    continue
                }
                guard inConffiles else { continue }
                guard line.hasPrefix(" ") else { break }
                let fields = line.split(separator: " ")
                if fields.count >= 2, fields[0] == path { return String(fields[1]) }
            }
        }
        return nil
    }

    /// The SHA-1 apk recorded for `etc/nginx/conf.d/default.conf` in `package`'s entry
    /// (`F:etc/nginx/conf.d`, `R:default.conf`, `Z:Q1` + base64).
    static func apkSHA1(_ installed: String, package: String) -> [UInt8]? {
        for stanza in stanzas(installed) {
            let lines = stanza
            guard lines.contains(where: { $0 == "P:\(package)" }) else { continue }
            var directory = ""
            var file = ""
            for line in lines {
                if line.hasPrefix("F:") {
                    directory = String(line.dropFirst(2))
                } else if line.hasPrefix("R:") {
                    file = String(line.dropFirst(2))
                } else if line.hasPrefix("Z:Q1"),
                    directory + "/" + file == "etc/nginx/conf.d/default.conf"
                {
                    return base64Decoded(String(line.dropFirst(4)))
                }
            }
        }
        return nil
    }

    /// The paragraphs of a dpkg status or apk database file (separated by empty lines). A loop
    /// over lines: splitting on a multi-character separator would link the standard library's
    /// string-processing module, over a megabyte of the static binary.
    static func stanzas(_ text: String) -> [[Substring]] {
        var result: [[Substring]] = [[]]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                if result.last?.isEmpty == false { result.append([]) }
            } else {
                result[result.count - 1].append(line)
            }
        }
        return result.filter { !$0.isEmpty }
    }

    /// Standard base64 (`=` padding); nil on any other character.
    static func base64Decoded(_ text: String) -> [UInt8]? {
        let alphabet = Array(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bits: UInt32 = 0
        var count = 0
        var result: [UInt8] = []
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            bits = bits << 6 | UInt32(value)
            count += 6
            if count >= 8 {
                count -= 8
                result.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return result
    }
}
