"""Pure rules about Zoom: meeting defaults, passcodes, UUID encoding, limits, error meaning."""
