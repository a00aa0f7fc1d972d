#include "http/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "http/problem.hpp"

namespace tr::http {
namespace fs = std::filesystem;

std::string content_type_for(const std::string& filename) {
  static const std::unordered_map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  auto ext = fs::path(filename).extension().string();
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

StaticFiles::StaticFiles(const std::string& root) {
  std::error_code ec;
  if (root.empty() || !fs::is_directory(root, ec)) return;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    File f;
    f.content = buf.str();
    f.content_type = content_type_for(it->path().filename().string());
    f.etag = fmt::format("\"{:x}-{:x}\"", f.content.size(), std::hash<std::string>{}(f.content));
    std::string rel = "/" + fs::relative(it->path(), root).generic_string();
    f.immutable = rel.rfind("/assets/", 0) == 0;
    files_.emplace(std::move(rel), std::move(f));
  }
}

Response StaticFiles::respond(const File& file, const Request& req) const {
  Response r;
  r.set_header("ETag", file.etag);
  r.set_header("Cache-Control",
               file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.set_header("X-Content-Type-Options", "nosniff");
  if (req.header("if-none-match") == file.etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = file.content_type;
  r.body = req.method == "HEAD" ? std::string() : file.content;
  return r;
}

Response StaticFiles::serve(const Request& req) const {
  auto it = files_.find(req.path);
  if (it == files_.end() && req.path.back() == '/') it = files_.find(req.path + "index.html");
  if (it != files_.end()) return respond(it->second, req);
  // A missing hashed asset is a real 404; anything else is a client route.
  if (req.path.rfind("/assets/", 0) != 0) {
    auto index = files_.find("/index.html");
    if (index != files_.end()) return respond(index->second, req);
  }
  return problem_response(Error{ErrorCode::kNotFound, "no such page"});
}

}  // namespace tr::http
