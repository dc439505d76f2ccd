import Glibc
import TestSupport

/// Runs `body` in a child process of its own (`fork(2)`) and returns the text it returned; when the
/// child did not end with `_exit(0)`, a last line says how it ended instead.
///
/// For code that changes process-wide state, as start-up, the hook runner and the init supervisor
/// do: signal handlers (SIGTERM, SIGINT, SIGCHLD to the signal pipe), the signal mask, the
/// child-subreaper flag, and `waitpid(-1)`, which in the test process would reap the children of
/// tests running in parallel. In the child only the calling thread exists, as in the single-threaded
/// entrypoint, so each of these works as it does there and none reaches the test process.
///
/// The child starts as a container's PID 1 would: an empty signal mask (the test runs on a worker
/// thread that blocks most signals), stdin from `/dev/null` (no terminal to hand to a child), and
/// none of the test process's other descriptors (they could hold another test's pipe open). It
/// never returns into the test runner: it writes the text to a file and calls `_exit`. A child
/// still running after `seconds` is killed, and the text says so.
func inChildProcess(seconds: Double = 10, _ body: () -> String) -> String {
    let directory = Paths.temporaryDirectory("forked")
    defer { Paths.removeTree(directory) }
    let resultPath = directory + "/result"
    let pid = fork()
    if pid == 0 {
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        let null = open("/dev/null", O_RDONLY)
        dup2(null, 0)
        for descriptor in Int32(3)..<1024 { close(descriptor) }
        let text = Array(body().utf8)
        let fd = open(resultPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        _exit(fd >= 0 && written == text.count ? 0 : 1)
    }
    guard pid > 0 else { return "fork failed: errno \(errno)" }

    var status: Int32 = 0
    let deadline = now() + seconds
    var ended = false
    while !ended {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            ended = true
        } else if result < 0 && errno != EINTR {
            return "waitpid failed: errno \(errno)"
        } else if now() > deadline {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            return (readText(resultPath) ?? "") + "\n(child killed after \(seconds)s)"
        } else {
            usleep(1_000)
        }
    }
    let text = readText(resultPath) ?? ""
    if status & 0x7F != 0 { return text + "\n(child killed by signal \(status & 0x7F))" }
    let code = (status >> 8) & 0xFF
    return code == 0 ? text : text + "\n(child exited \(code))"
}

/// `bytes` as text, each byte outside printable ASCII written `\xNN`, so that expectations can spell
/// the exact bytes.
func escaped(_ bytes: [UInt8]) -> String {
    var result = ""
    for byte in bytes {
        if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") {
            result.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            let hex = String(byte, radix: 16)
            result += "\\x" + (hex.count == 1 ? "0" : "") + hex
        }
    }
    return result
}

/// Lines a `Log` wrote, collected in the child.
final class CollectedLines {
    var lines: [String] = []
}
