import Platform

/// The nginx image's `30-tune-worker-processes.sh`, built in: with
/// `NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE` set, `worker_processes` in `nginx.conf` becomes the
/// number of CPUs the container may use.
///
/// That number is the smallest of: the CPUs online; the cgroup v1 `cpuset.effective_cpus` and
/// `cpu.cfs_quota_us` / `cpu.cfs_period_us` (rounded up); the cgroup v2 `cpuset.cpus.effective`
/// and `cpu.max` (rounded up). Each source that is missing or unlimited counts as the CPUs online.
/// The cgroup directories are found as the script finds them: the mount (root and mount point)
/// from `/proc/self/mountinfo`, the process's cgroup path from `/proc/self/cgroup`. Every line
/// starting with `worker_processes` is commented out and followed by `worker_processes N;`; the
/// previous file is kept as `nginx.conf.bak`, as `sed -i.bak` does.
struct NginxWorkerProcesses {
    /// Reads a file below the root (`/proc/...`, `/sys/...`); nil when it cannot be read.
    var read: (String) -> String?
    /// The CPUs online (`getconf _NPROCESSORS_ONLN`), used when `/sys` does not say.
    var online: Int

    // MARK: - The CPU count

    /// The CPUs the container may use.
    func cpuCount() -> Int {
        let online = onlineCount()
        var counts = [online]
        if let root = cgroupV1Path("cpuset") {
            counts.append(cpusetCount(root + "/cpuset.effective_cpus") ?? online)
        }
        if let root = cgroupV1Path("cpu") { counts.append(quotaV1(root) ?? online) }
        if let root = cgroupV2Path() {
            counts.append(cpusetCount(root + "/cpuset.cpus.effective") ?? online)
            counts.append(quotaV2(root) ?? online)
        }
        return counts.min() ?? online
    }

    /// `/sys/devices/system/cpu/online` (what glibc's `get_nprocs` reads), else `online`.
    private func onlineCount() -> Int {
        guard let text = read("/sys/devices/system/cpu/online"),
            let count = Self.countCPUs(inList: text), count > 0
        else { return online }
        return count
    }

    /// The CPUs of a cpulist (`0-3,8,10-11`): nil when it holds a token that is not a number or a
    /// range. A range written backwards counts nothing, as `seq 3 1` prints nothing.
    static func countCPUs(inList text: String) -> Int? {
        var count = 0
        let tokens = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" })
        for token in tokens {
            let bounds = token.split(separator: "-", omittingEmptySubsequences: false)
            switch bounds.count {
            case 1:
                guard Int(bounds[0]) != nil else { return nil }
                count += 1
            case 2:
                guard let low = Int(bounds[0]), let high = Int(bounds[1]) else { return nil }
                count += max(high - low + 1, 0)
            default:
                return nil
            }
        }
        return count
    }

    /// The CPUs of a cpuset file; nil when it is missing or says nothing (an empty cpuset is not
    /// taken for zero CPUs, unlike the script, which would write `worker_processes 0;`).
    private func cpusetCount(_ path: String) -> Int? {
        guard let text = read(path), let count = Self.countCPUs(inList: text), count > 0 else {
            return nil
        }
        return count
    }

    /// `ceil(quota / period)` from cgroup v1's `cpu.cfs_quota_us` and `cpu.cfs_period_us`; nil when
    /// unlimited (-1) or unreadable.
    private func quotaV1(_ root: String) -> Int? {
        guard let quota = read(root + "/cpu.cfs_quota_us").flatMap(Self.integer),
            let period = read(root + "/cpu.cfs_period_us").flatMap(Self.integer)
        else { return nil }
        return Self.ceilingRatio(quota, period)
    }

    /// `ceil(quota / period)` from cgroup v2's `cpu.max` (`max 100000` is unlimited).
    private func quotaV2(_ root: String) -> Int? {
        guard let text = read(root + "/cpu.max") else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let quota = Int(fields[0]), let period = Int(fields[1]) else {
            return nil
        }
        return Self.ceilingRatio(quota, period)
    }

    private static func ceilingRatio(_ quota: Int, _ period: Int) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        return (quota + period - 1) / period
    }

    private static func integer(_ text: String) -> Int? {
        Int(text.trimmingCharacters(in: " \n\t"))
    }

    // MARK: - Where the cgroups are

    /// The cgroup v1 directory of `controller` (`cpuset` or `cpu`): the first `cgroup` mount whose
    /// line names it (for `cpu`, the first naming `cpu` but not `cpuset`), and the process's path
    /// for that controller in `/proc/self/cgroup`.
    func cgroupV1Path(_ controller: String) -> String? {
        guard let mountinfo = read("/proc/self/mountinfo"), let cgroups = read("/proc/self/cgroup")
        else { return nil }
        var mount: (root: String, point: String)?
        for line in mountinfo.split(separator: "\n") where String(line).containsText("- cgroup ") {
            let text = String(line)
            let matches =
                controller == "cpuset"
                ? text.containsText("cpuset")
                : !text.containsText("cpuset") && text.containsText("cpu")
            if matches {
                mount = Self.mountFields(text)
                break
            }
        }
        let names: Set<String> =
            controller == "cpuset" ? ["cpuset"] : ["cpu,cpuacct", "cpuacct,cpu", "cpuacct", "cpu"]
        var path = ""
        for line in cgroups.split(separator: "\n") where String(line).containsText("cpu") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, names.contains(String(fields[1])) {
                path = String(fields[2])
                break
            }
        }
        return Self.directory(mount: mount, cgroupPath: path, version2: false)
    }

    /// The cgroup v2 directory: the last `cgroup2` mount, and the process's `0::` path.
    func cgroupV2Path() -> String? {
        guard let mountinfo = read("/proc/self/mountinfo"), let cgroups = read("/proc/self/cgroup")
        else { return nil }
        var mount: (root: String, point: String)?
        for line in mountinfo.split(separator: "\n") where String(line).containsText("- cgroup2 ") {
            mount = Self.mountFields(String(line))
        }
        var path = ""
        for line in cgroups.split(separator: "\n") where String(line).containsText("0::") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 { path = String(fields[2]) }
        }
        guard mount != nil else { return nil }
        return Self.directory(mount: mount, cgroupPath: path, version2: true)
    }

    /// Fields 4 and 5 of a mountinfo line: the mount's root and its mount point.
    private static func mountFields(_ line: String) -> (root: String, point: String)? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 5 else { return nil }
        return (String(fields[3]), String(fields[4]))
    }

    /// The directory for a mount and a cgroup path: the mount point plus the path when the mount
    /// is the hierarchy's root, the mount point itself when the mount's root is the process's own
    /// cgroup (a container's namespaced view; for v2 also a root outside it, `/../...`), else none.
    private static func directory(
        mount: (root: String, point: String)?, cgroupPath: String, version2: Bool
    ) -> String? {
        let root = mount?.root ?? ""
        let point = mount?.point ?? ""
        if root == "/" { return point + cgroupPath }
        if root == cgroupPath || (version2 && root.hasPrefix("/../")) { return point }
        return nil
    }

    // MARK: - The edit

    /// `nginx.conf` with every line that starts with `worker_processes` commented out and followed
    /// by `worker_processes count;`; nil when no line does.
    static func tuned(_ text: String, count: Int) -> String? {
        var changed = false
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("worker_processes") else {
                lines.append(String(line))
                continue
            }
            changed = true
            lines.append("# worker_processes tuned by the entrypoint to the container's CPUs:")
            lines.append("#" + line)
            lines.append("worker_processes \(count);")
        }
        return changed ? lines.joined(separator: "\n") : nil
    }
}

extension String {
    /// The text without leading and trailing characters of `set`.
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        guard let first = firstIndex(where: { !characters.contains($0) }),
            let last = lastIndex(where: { !characters.contains($0) })
        else { return "" }
        return String(self[first...last])
    }
}
