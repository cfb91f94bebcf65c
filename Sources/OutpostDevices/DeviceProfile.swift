import OutpostWire

/// One point of a device: where its value lives and how to read it.
package struct DevicePoint: Sendable, Hashable {
    /// The point's name, unique in the profile: `voltage_l1`.
    package var name: String
    /// The table it is read from.
    package var function: ModbusFunction
    /// The protocol address (0-based, as on the wire).
    package var address: Int
    /// Type, order, bit field and scaling.
    package var codec: RegisterCodec
    /// The unit: `V`, `kWh`, `°C`.
    package var unit: String
    /// The resolution readings are quantised to on the wire.
    package var resolution: Resolution?
    /// What the point measures.
    package var kind: SeriesKind
    /// The range a healthy reading stays in, for anomaly detection and the simulator.
    package var limits: ClosedRange<Double>?
    /// A line of description.
    package var description: String
    /// Whether the point is a setting the device keeps until it is written (its unit id, a
    /// calibration offset) rather than a measurement: the simulator serves it unchanged.
    package var isSetting: Bool

    /// Creates a point.
    package init(
        name: String, function: ModbusFunction, address: Int, codec: RegisterCodec, unit: String = "",
        resolution: Resolution? = nil, kind: SeriesKind = .gauge, limits: ClosedRange<Double>? = nil,
        description: String = "", isSetting: Bool = false
    ) {
        self.name = name
        self.function = function
        self.address = address
        self.codec = codec
        self.unit = unit
        self.resolution = resolution
        self.kind = kind
        self.limits = limits
        self.description = description
        self.isSetting = isSetting
    }

    /// Registers (or bits) the point spans.
    package var span: Int { function.isBitTable ? 1 : codec.registerCount }

    /// The addresses it occupies.
    package var addresses: Range<Int> { address..<(address + span) }
}

/// The register map of a real device, as written in `hardware/devices/NAME.toml`.
package struct DeviceProfile: Sendable, Hashable {
    /// The profile's name (its file name without `.toml`).
    package var name: String
    /// Who makes the device.
    package var manufacturer: String
    /// The model.
    package var model: String
    /// The public document the map follows, with its revision.
    package var datasheet: String
    /// The unit id devices ship with.
    package var defaultUnit: UInt8
    /// The most registers the device answers in one request (≤ 125).
    package var maxRegistersPerRequest: Int
    /// Addresses that must never be read (reading them makes the device answer with an exception
    /// or misbehave): a request never spans them.
    package var forbidden: [ClosedRange<Int>]
    /// The points.
    package var points: [DevicePoint]

    /// Creates a profile.
    package init(
        name: String, manufacturer: String, model: String, datasheet: String, defaultUnit: UInt8 = 1,
        maxRegistersPerRequest: Int = 125, forbidden: [ClosedRange<Int>] = [], points: [DevicePoint]
    ) {
        self.name = name
        self.manufacturer = manufacturer
        self.model = model
        self.datasheet = datasheet
        self.defaultUnit = defaultUnit
        self.maxRegistersPerRequest = maxRegistersPerRequest
        self.forbidden = forbidden
        self.points = points
    }

    /// The point called `name`.
    package func point(named name: String) -> DevicePoint? { points.first { $0.name == name } }
}
