#include "master/http_endpoints.h"

#include <httplib.h>

#include <charconv>

#include "absl/strings/str_format.h"
#include "common/http_server.h"
#include "common/image_codec.h"
#include "common/process_stats.h"
#include "master/metrics_text.h"

namespace tessera::master {

namespace {

std::string HtmlEscape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// One page, no external assets: each stream's picture reloads twice a
// second, the page itself every 10 s to pick up new streams and stats.
std::string LivePage(const LiveView& live, const MasterCounters& counters) {
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\">"
      "<title>Tessera live</title><style>"
      "body{font-family:sans-serif;margin:1em;background:#fafafa}"
      "figure{display:inline-block;margin:0 1em 1em 0}"
      "img{max-width:640px;border:1px solid #999}"
      "table{border-collapse:collapse}td,th{padding:2px 8px;"
      "border-bottom:1px solid #ddd;text-align:right}"
      "</style></head><body><h1>Tessera live</h1>";
  const std::vector<LiveView::StreamInfo> streams = live.Streams();
  if (streams.empty()) html += "<p id=\"no-streams\">No stream yet.</p>";
  for (const LiveView::StreamInfo& stream : streams) {
    absl::StrAppendFormat(
        &html,
        "<figure><img class=\"live\" data-src=\"/live/%d.png\" "
        "src=\"/live/%d.png\" width=\"%d\" height=\"%d\" alt=\"%s\">"
        "<figcaption>%s, %dx%d</figcaption></figure>",
        stream.id, stream.id, stream.width, stream.height,
        HtmlEscape(stream.name), HtmlEscape(stream.name), stream.width,
        stream.height);
  }
  absl::StrAppendFormat(
      &html,
      "<h2>Workers: %d registered</h2><table><tr><th>worker</th>"
      "<th>regions</th></tr>",
      counters.workers);
  for (const auto& [worker, regions] : counters.regions_by_worker) {
    absl::StrAppendFormat(&html, "<tr><td>%s</td><td>%d</td></tr>",
                          HtmlEscape(worker), regions);
  }
  absl::StrAppendFormat(
      &html,
      "</table><p>%d frames in, %d masks out, %d dropped; %d regions "
      "segmented, %d warped.</p>"
      "<script>setInterval(function(){for(const i of "
      "document.querySelectorAll('img.live')){i.src=i.dataset.src+'?t='+"
      "Date.now();}},500);setTimeout(function(){location.reload();},10000);"
      "</script></body></html>",
      counters.frames_in, counters.frames_out, counters.frames_dropped,
      counters.regions_segmented, counters.regions_warped);
  return html;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpEndpoints>> HttpEndpoints::Start(
    const std::string& address, const MasterCore& core, const LiveView* live,
    const Palette* palette) {
  const Palette* colours = palette ? palette : &CamVidPalette();
  auto routes = [&core, live, colours](httplib::Server& server) {
    server.Get("/metrics", [&core](const httplib::Request&,
                                   httplib::Response& response) {
      std::string text = PrometheusText(core.counters());
      AppendProcessMetrics(text);
      response.set_content(text, "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Get("/readyz", [&core](const httplib::Request&,
                                  httplib::Response& response) {
      const size_t workers = core.counters().workers;
      if (workers == 0) {
        response.status = 503;
        response.set_content("not ready: no worker registered\n", "text/plain");
        return;
      }
      response.set_content(absl::StrFormat("ready: %d workers\n", workers),
                           "text/plain");
    });
    if (live == nullptr) return;
    server.Get("/live", [&core, live](const httplib::Request&,
                                      httplib::Response& response) {
      response.set_content(LivePage(*live, core.counters()),
                           "text/html; charset=utf-8");
    });
    server.Get(
        R"(/live/(\d+)\.png)", [live, colours](const httplib::Request& request,
                                               httplib::Response& response) {
          uint64_t stream = 0;
          const std::string id = request.matches[1];
          std::from_chars(id.data(), id.data() + id.size(), stream);
          std::optional<Image> picture = live->Render(stream, *colours);
          absl::StatusOr<std::string> png =
              picture ? EncodeImage(*picture, Encoding::kPng)
                      : absl::NotFoundError("no such stream");
          if (!png.ok()) {
            response.status = picture ? 500 : 404;
            response.set_content(std::string(png.status().message()) + "\n",
                                 "text/plain");
            return;
          }
          response.set_header("Cache-Control", "no-store");
          response.set_content(*png, "image/png");
        });
  };
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start("--http_listen", address, routes);
  if (!server.ok()) return server.status();
  std::unique_ptr<HttpEndpoints> endpoints(new HttpEndpoints());
  endpoints->server_ = *std::move(server);
  return endpoints;
}

}  // namespace tessera::master
