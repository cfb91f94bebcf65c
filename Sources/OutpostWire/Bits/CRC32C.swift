/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI, ext4 and SCTP.
/// Slice-by-8 tables; `crc32c(Array("123456789".utf8)) == 0xE3069283`.
package enum CRC32C {
    /// Eight 256-entry tables, one after the other.
    private static let table: [UInt32] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for index in 0..<256 {
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            tables[0][index] = crc
        }
        for index in 0..<256 {
            var crc = tables[0][index]
            for slice in 1..<8 {
                crc = tables[0][Int(crc & 0xFF)] ^ (crc >> 8)
                tables[slice][index] = crc
            }
        }
        return tables.flatMap { $0 }
    }()

    /// The CRC-32C of `bytes`.
    package static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            bytes.withContiguousStorageIfAvailable { checksum($0, table: table) }
                ?? Array(bytes).withUnsafeBufferPointer { checksum($0, table: table) }
        }
    }

    private static func checksum(_ bytes: UnsafeBufferPointer<UInt8>, table: UnsafeBufferPointer<UInt32>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        var index = 0
        let count = bytes.count
        while count - index >= 8 {
            let low =
                crc
                ^ (UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                    | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24)
            crc =
                table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                ^ table[3 * 256 + Int(bytes[index + 4])] ^ table[2 * 256 + Int(bytes[index + 5])]
                ^ table[1 * 256 + Int(bytes[index + 6])] ^ table[Int(bytes[index + 7])]
            index += 8
        }
        while index < count {
            crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
            index += 1
        }
        return ~crc
    }
}
