/// The credentials a `redis://` probe sends with `AUTH` before its `PING`.
///
/// From the URL (`redis://:password@host`, `redis://user:password@host` for a Redis 6 ACL user) or
/// from a file named by `?password_file=PATH` (a Docker or Kubernetes secret), read again on every
/// attempt so that a rotated secret is picked up. The password is never shown: `Target`'s
/// description has no user information, and no message quotes it.
public struct RedisAuth: Sendable, Equatable {
    /// Where the password comes from.
    public enum Password: Sendable, Equatable {
        /// Given in the URL.
        case inline(String)
        /// The contents of this file, trailing newlines stripped (as `_FILE` secrets).
        case file(String)
    }

    /// The ACL user (`AUTH user password`); nil sends `AUTH password` (the `default` user).
    public var user: String?
    /// The password.
    public var password: Password

    /// Credentials for `user` (nil: the default user) with `password`.
    public init(user: String?, password: Password) {
        self.user = user
        self.password = password
    }
}
