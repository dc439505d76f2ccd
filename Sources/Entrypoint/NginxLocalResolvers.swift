/// The nginx image's `15-local-resolvers.envsh`, built in: with `NGINX_ENTRYPOINT_LOCAL_RESOLVERS`
/// set, `NGINX_LOCAL_RESOLVERS` is exported with the nameservers of `/etc/resolv.conf`, separated
/// by spaces, IPv6 addresses in brackets — ready for a template's `resolver ${NGINX_LOCAL_RESOLVERS};`.
enum NginxLocalResolvers {
    /// The resolvers of a `resolv.conf` text: the second field of every line whose first field is
    /// `nameserver` (fields separated by blanks, as awk splits them).
    static func resolvers(_ resolvConf: String) -> String {
        var result: [String] = []
        for line in resolvConf.split(separator: "\n", omittingEmptySubsequences: false) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard fields.first == "nameserver" else { continue }
            let address = fields.count > 1 ? String(fields[1]) : ""
            result.append(address.contains(":") ? "[\(address)]" : address)
        }
        return result.joined(separator: " ")
    }
}
