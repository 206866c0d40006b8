// ReadHistoryDir: the history directory into a History. Alone in its file because History is
// built elsewhere (allowlist learning); the reading itself is ForEachObservation's.
#include "otguard/host/allowlist.h"

namespace otguard::host {

Result<History> ReadHistoryDir(const std::string& dir, HistoryReadReport* report) {
  History history;
  OTGUARD_RETURN_IF_ERROR(ForEachObservation(
      dir, [&history](const Observation& o) { history.Add(o); }, report));
  return history;
}

}  // namespace otguard::host
