package http2

import "encoding/binary"

// SettingID identifies a SETTINGS parameter (RFC 9113 §6.5.2).
type SettingID uint16

// The SETTINGS parameters of RFC 9113 §6.5.2. Others are ignored.
const (
	SettingHeaderTableSize      SettingID = 0x1
	SettingEnablePush           SettingID = 0x2
	SettingMaxConcurrentStreams SettingID = 0x3
	SettingInitialWindowSize    SettingID = 0x4
	SettingMaxFrameSize         SettingID = 0x5
	SettingMaxHeaderListSize    SettingID = 0x6
)

// Setting is one SETTINGS parameter and its value.
type Setting struct {
	ID  SettingID
	Val uint32
}

// AppendSettings appends a SETTINGS frame carrying s.
func AppendSettings(b []byte, s ...Setting) []byte {
	b = AppendFrameHeader(b, FrameHeader{uint32(6 * len(s)), FrameSettings, 0, 0})
	for _, v := range s {
		b = binary.BigEndian.AppendUint16(b, uint16(v.ID))
		b = binary.BigEndian.AppendUint32(b, v.Val)
	}
	return b
}

// AppendSettingsAck appends an empty SETTINGS frame with the ACK flag.
func AppendSettingsAck(b []byte) []byte {
	return AppendFrameHeader(b, FrameHeader{0, FrameSettings, FlagAck, 0})
}

// settingAt returns the i-th 6-byte entry of a SETTINGS payload.
func settingAt(p []byte, i int) Setting {
	e := p[6*i:]
	return Setting{SettingID(binary.BigEndian.Uint16(e)), binary.BigEndian.Uint32(e[2:])}
}

// ForEachSetting calls fn with each entry of a SETTINGS payload, in order
// (RFC 9113 §6.5.3: they are processed in the order they appear).
func ForEachSetting(p []byte, fn func(Setting)) {
	for i := 0; i < len(p)/6; i++ {
		fn(settingAt(p, i))
	}
}

// checkSettings checks each value's range (RFC 9113 §6.5.2).
func checkSettings(p []byte) error {
	for i := 0; i < len(p)/6; i++ {
		s := settingAt(p, i)
		switch s.ID {
		case SettingEnablePush:
			if s.Val > 1 {
				return ConnError{ErrCodeProtocol, "SETTINGS_ENABLE_PUSH not 0 or 1"}
			}
		case SettingInitialWindowSize:
			if s.Val > maxWindow {
				return ConnError{ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1"}
			}
		case SettingMaxFrameSize:
			if s.Val < DefaultMaxFrameSize || s.Val > MaxFrameSizeLimit {
				return ConnError{ErrCodeProtocol, "SETTINGS_MAX_FRAME_SIZE out of range"}
			}
		}
	}
	return nil
}
