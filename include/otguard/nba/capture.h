// Packet sources: capture files (pcap and pcapng, several merged in time order) and live
// interfaces with a BPF filter, as otguard/platform/capture.h provides them.
#ifndef OTGUARD_NBA_CAPTURE_H_
#define OTGUARD_NBA_CAPTURE_H_

#include <functional>

#include "otguard/nba/packet.h"
#include "otguard/platform/capture.h"

namespace otguard::nba {

// The capture itself is the platform's (libpcap); nba names its types so.
using Frame = platform::CaptureFrame;
using LiveOptions = platform::LiveCaptureOptions;
using platform::CaptureCounters;
using platform::OpenCaptureFiles;
using platform::OpenLiveCapture;
using platform::PacketSource;

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_CAPTURE_H_
