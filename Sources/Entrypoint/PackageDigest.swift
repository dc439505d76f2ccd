/// The digests package managers record for their files: MD5 (dpkg's `Conffiles`) and SHA-1 (apk's
/// `Z:Q1...` checksums), to tell whether a packaged file is still as shipped (RFC 1321, FIPS 180-4).
enum PackageDigest {
    /// The MD5 digest of `bytes`, as 32 lower-case hex digits.
    static func md5Hex(_ bytes: [UInt8]) -> String {
        let shifts: [UInt32] = [
            7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
            5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
        ]
        // K[i] = floor(abs(sin(i + 1)) * 2^32) (RFC 1321 3.4).
        let constants: [UInt32] = [
            0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee,
            0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
            0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be,
            0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
            0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa,
            0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
            0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed,
            0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
            0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c,
            0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
            0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05,
            0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
            0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039,
            0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
            0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1,
            0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
        ]
        var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]
        for chunk in padded(bytes, bigEndianLength: false) {
            var words = [UInt32](repeating: 0, count: 16)
            for index in 0..<16 {
                for byte in 0..<4 {
                    words[index] |= UInt32(chunk[index * 4 + byte]) << (8 * UInt32(byte))
                }
            }
            var (a, b, c, d) = (state[0], state[1], state[2], state[3])
            for index in 0..<64 {
                var f: UInt32
                let g: Int
                switch index / 16 {
                case 0: (f, g) = ((b & c) | (~b & d), index)
                case 1: (f, g) = ((d & b) | (~d & c), (5 * index + 1) % 16)
                case 2: (f, g) = (b ^ c ^ d, (3 * index + 5) % 16)
                default: (f, g) = (c ^ (b | ~d), (7 * index) % 16)
                }
                f = f &+ a &+ constants[index] &+ words[g]
                a = d
                d = c
                c = b
                b = b &+ rotateLeft(f, shifts[index])
            }
            state[0] = state[0] &+ a
            state[1] = state[1] &+ b
            state[2] = state[2] &+ c
            state[3] = state[3] &+ d
        }
        return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
            .map(hex).joined()
    }

    /// The SHA-1 digest of `bytes`, as 20 bytes.
    static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        for chunk in padded(bytes, bigEndianLength: true) {
            var words = [UInt32](repeating: 0, count: 80)
            for index in 0..<16 {
                for byte in 0..<4 {
                    words[index] |= UInt32(chunk[index * 4 + byte]) << (8 * UInt32(3 - byte))
                }
            }
            for index in 16..<80 {
                words[index] = rotateLeft(
                    words[index - 3] ^ words[index - 8] ^ words[index - 14] ^ words[index - 16], 1)
            }
            var (a, b, c, d, e) = (state[0], state[1], state[2], state[3], state[4])
            for index in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch index / 20 {
                case 0: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 1: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 2: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let next = rotateLeft(a, 5) &+ f &+ e &+ k &+ words[index]
                e = d
                d = c
                c = rotateLeft(b, 30)
                b = a
                a = next
            }
            for (index, value) in [a, b, c, d, e].enumerated() {
                state[index] = state[index] &+ value
            }
        }
        return state.flatMap { word in
            (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) }
        }
    }

    /// `bytes` padded to 64-byte chunks: 0x80, zeros, the length in bits (8 bytes).
    private static func padded(_ bytes: [UInt8], bigEndianLength: Bool) -> [[UInt8]] {
        var message = bytes
        let bits = UInt64(bytes.count) * 8
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        for index in 0..<8 {
            let shift = bigEndianLength ? 56 - 8 * index : 8 * index
            message.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
        return stride(from: 0, to: message.count, by: 64).map { Array(message[$0..<($0 + 64)]) }
    }

    private static func rotateLeft(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}
