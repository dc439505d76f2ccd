// Directory renders over hostile trees: the fuzzer's bytes build a template tree (templates,
// subdirectories, dangling links, links to directories and loops, FIFOs and files that are not
// templates, names that are not UTF-8) and an output tree in the way (directories, FIFOs and
// symbolic links where outputs go, dangling and looping links, files where directories go, a second
// template tree rendering to the same names), then render it the way a run does.
//
// Invariants: no crash, no hang; a render that fails leaves the sandbox exactly as it was (every
// name, type, mode, inode, size, byte and link target); one that succeeds wrote every output whole
// and left no temporary or kept-aside file; a transaction committed and rolled back, or prepared and
// discarded, leaves the sandbox exactly as it was too.

import FuzzSupport
import Templater

#if canImport(Glibc)
import Glibc
#endif

/// Where one input's trees live: a private directory, emptied before each input.
let sandbox = "/tmp/entrypoint-fuzz-tree-\(getpid())"

/// The names the generator picks from, for templates and for outputs alike.
let names = ["a.conf", "b.conf", "sub/c.conf", "sub/deeper/d.conf", "e"]

/// What a file or link in the sandbox is, for comparing two moments.
struct Entry: Equatable {
    var path: String
    var type: mode_t
    var mode: mode_t
    var inode: ino_t
    var bytes: [UInt8]
    var link: String
}

/// Every entry under `directory`, by `lstat` (links are not followed), sorted by path.
func snapshot(_ directory: String) -> [Entry] {
    var result: [Entry] = []
    guard let handle = opendir(directory) else { return result }
    var children: [String] = []
    while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { children.append(name) }
    }
    closedir(handle)
    for name in children.sorted() {
        let path = directory + "/" + name
        var status = stat()
        guard lstat(path, &status) == 0 else { continue }
        let type = status.st_mode & S_IFMT
        var entry = Entry(
            path: path, type: type, mode: status.st_mode & 0o7777, inode: status.st_ino, bytes: [],
            link: "")
        if type == S_IFREG {
            entry.bytes = readAll(path)
        } else if type == S_IFLNK {
            var buffer = [CChar](repeating: 0, count: 4096)
            let n = readlink(path, &buffer, buffer.count - 1)
            entry.link = n > 0 ? String(cString: Array(buffer[0..<n]) + [0]) : ""
        }
        result.append(entry)
        if type == S_IFDIR { result += snapshot(path) }
    }
    return result
}

/// The bytes of the regular file at `path`.
func readAll(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_NONBLOCK)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return result }
        result += buffer[0..<n]
    }
}

/// Writes `text` to `path` with `mode`, unless something that is not a regular file is there (the
/// generator never blocks on a FIFO it made itself).
func put(_ path: String, _ text: String, mode: mode_t = 0o644) {
    var status = stat()
    if lstat(path, &status) == 0 && status.st_mode & S_IFMT != S_IFREG { return }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOFOLLOW, mode)
    guard fd >= 0 else { return }
    _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    fchmod(fd, mode)
    close(fd)
}

/// `mkdir -p` of the parent of `path`.
func makeParents(_ path: String) {
    var current = ""
    for part in path.split(separator: "/").dropLast() {
        current += "/" + part
        mkdir(current, 0o755)
    }
}

/// The template text for `choice`, and what it renders to (nil: it must fail, `${UNSET}`).
func template(_ choice: Int, index: Int) -> (text: String, rendered: String?) {
    switch choice % 4 {
    case 0: return ("static \(index)\n", "static \(index)\n")
    case 1: return ("v=${A} \(index)\n", "v=1 \(index)\n")
    case 2: return ("${UNSET}\n", nil)
    default: return ("$${A} ${A:-x}${B:+y}\n", "${A} 1\n")
    }
}

/// Builds one template tree under `root` from the choices; returns the expected bytes per output
/// name (relative), nil for a template that must fail.
func buildTemplates(_ root: String, _ choices: inout Choices) -> [String: String?] {
    mkdir(root, 0o755)
    var expected: [String: String?] = [:]
    for index in 0..<choices.int(in: 0...6) {
        let name = choices.pick(names)
        let path = root + "/" + name
        makeParents(path)
        switch choices.int(in: 0...7) {
        case 0, 1, 2:
            let (text, rendered) = template(Int(choices.byte()), index: index)
            put(path + ".template", text)
            expected[name] = .some(rendered)
        case 3: put(path, "not a template\n")
        case 4: symlink("nowhere-\(index)", path + (choices.chance(50) ? ".template" : ""))
        case 5: symlink(choices.chance(50) ? ".." : ".", path)  // a loop, or a second way in
        case 6: mkfifo(path, 0o644)  // not a template: never opened
        default:
            // A name that is not UTF-8, as a template or not.
            let bytes =
                Array((root + "/x").utf8) + [0xE9]
                + (choices.chance(50) ? Array(".template".utf8) : [])
            let fd = (bytes + [0]).withUnsafeBufferPointer { raw in
                raw.baseAddress.unsafelyUnwrapped.withMemoryRebound(
                    to: CChar.self, capacity: raw.count
                ) { open($0, O_CREAT | O_WRONLY, 0o644) }
            }
            if fd >= 0 { close(fd) }
        }
    }
    return expected
}

/// Puts obstacles where outputs go under `root`.
func buildOutputs(_ root: String, _ choices: inout Choices) {
    mkdir(root, 0o755)
    mkdir(sandbox + "/elsewhere", 0o755)
    for index in 0..<choices.int(in: 0...6) {
        let name = choices.pick(names)
        let path = root + "/" + name
        makeParents(path)
        switch choices.int(in: 0...8) {
        case 0, 1: put(path, "old \(index)\n", mode: choices.pick([0o644, 0o600, 0o640, 0o444]))
        case 2: mkdir(path, 0o755)
        case 3: mkfifo(path, 0o644)
        case 4: symlink(sandbox + "/elsewhere/\(index)", path)  // dangling: written through
        case 5:
            put(sandbox + "/elsewhere/live\(index)", "live\n")
            symlink("../" + (name.contains("/") ? "../" : "") + "elsewhere/live\(index)", path)
        case 6: symlink(path, path)  // a loop
        case 7: symlink(sandbox + "/elsewhere", path)  // a directory
        default:
            // A file where a directory of outputs goes.
            put(root + "/sub", "in the way\n")
        }
    }
}

/// `rm -rf` of the path given as bytes (names that are not UTF-8 included), links not followed.
func removeTree(_ path: [UInt8]) {
    let cPath = path.map { CChar(bitPattern: $0) } + [0]
    var status = stat()
    guard lstat(cPath, &status) == 0 else { return }
    if status.st_mode & S_IFMT == S_IFDIR {
        chmod(cPath, 0o755)
        if let handle = opendir(cPath) {
            var children: [[UInt8]] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    Array($0.prefix { $0 != 0 })
                }
                if name != [0x2E] && name != [0x2E, 0x2E] { children.append(name) }
            }
            closedir(handle)
            for child in children { removeTree(path + [0x2F] + child) }
        }
        rmdir(cPath)
    } else {
        unlink(cPath)
    }
}

/// Whether any name under the sandbox starts with `.` (a temporary or kept-aside file left).
func leftovers(_ entries: [Entry]) -> [String] {
    entries.map(\.path).filter { $0.split(separator: "/").last?.hasPrefix(".") == true }
}

func fuzzTree(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var choices = Choices(Array(UnsafeBufferPointer(start: data, count: size)))
    removeTree(Array(sandbox.utf8))
    mkdir(sandbox, 0o755)
    defer { removeTree(Array(sandbox.utf8)) }
    let expected = buildTemplates(sandbox + "/t", &choices)
    let second = choices.chance(30)
    if second { _ = buildTemplates(sandbox + "/u", &choices) }
    buildOutputs(sandbox + "/o", &choices)
    let before = snapshot(sandbox)
    let jobs =
        [RenderJob(source: sandbox + "/t", destination: sandbox + "/o")]
        + (second ? [RenderJob(source: sandbox + "/u", destination: sandbox + "/o")] : [])
    let policy = RenderPolicy()
    let variables = Variables(["A": "1"])
    let options = OutputOptions(durable: false, skipUnchanged: choices.chance(50))
    let way = choices.int(in: 0...2)
    do {
        switch way {
        case 0:
            let files = try renderFiles(
                jobs, policy: policy, variables: variables, options: options)
            let after = snapshot(sandbox)
            if !leftovers(after).isEmpty {
                fatal("a render left \(leftovers(after)) in \(before.map(\.path))")
            }
            for file in files where file.source.hasPrefix(sandbox + "/t/") {
                let name = String(file.destination.dropFirst((sandbox + "/o/").count))
                guard let wanted = expected[name], let wanted else {
                    fatal("\(file.destination) rendered, but its template must fail")
                }
                let got = String(decoding: readAll(file.destination), as: UTF8.self)
                if got != wanted { fatal("\(file.destination) holds \(got), not \(wanted)") }
            }
        case 1:
            let prepared = try prepareRender(
                jobs, policy: policy, variables: variables, options: options)
            try prepared.transaction.commit()
            try prepared.transaction.rollback()
            if snapshot(sandbox) != before {
                fatal("a rollback after the commit changed the sandbox")
            }
        default:
            let prepared = try prepareRender(
                jobs, policy: policy, variables: variables, options: options)
            try prepared.transaction.rollback()
            if snapshot(sandbox) != before { fatal("a discarded transaction changed the sandbox") }
        }
    } catch {
        _ = error.description
        let after = snapshot(sandbox)
        if after != before {
            let changed = Set(after.map(\.path)).symmetricDifference(before.map(\.path))
            fatal("a failed render (\(error)) changed the sandbox: \(changed.sorted())")
        }
    }
    return 0
}

runFuzzer(fuzzTree)
