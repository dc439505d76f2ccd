// The byte search of the scanners: libc's `memchr` (a string primitive, not a system call; Platform
// wraps the system calls) behind two word loads.

internal import Glibc

/// The offset of the first `$` at or after `position` in the `count` bytes at `base`, if any: the
/// sixteen bytes after a reference are searched in two words (in dense templates the next `$` is
/// usually there), then `memchr`. The scanners of both modes use it.
@inline(__always)
func firstDollar(_ base: UnsafeRawPointer, from position: Int, count: Int)
    -> Int?
{
    var position = position
    if position &+ 16 <= count {
        let first = NameSyntax.bytesEqual(
            UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self)),
            to: NameSyntax.dollar)
        if first != 0 { return position &+ first.trailingZeroBitCount &>> 3 }
        let second = NameSyntax.bytesEqual(
            UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: position &+ 8, as: UInt64.self)
            ),
            to: NameSyntax.dollar)
        if second != 0 { return position &+ 8 &+ second.trailingZeroBitCount &>> 3 }
        position &+= 16
    }
    guard position < count,
        let found = memchr(base + position, Int32(NameSyntax.dollar), count &- position)
    else { return nil }
    return base.distance(to: UnsafeRawPointer(found))
}
