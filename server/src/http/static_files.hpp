#pragma once
// StaticFiles: serves the built browser app (web/dist). Files are read once at
// start into memory (the app is a few hundred KB), so a request never touches
// the disk and no path from a request is ever joined to a directory: paths
// that are not in the table, "../" tricks included, simply do not exist.
// Unknown paths get index.html (client-side routing). Thread-safe after load.

#include <memory>
#include <string>
#include <unordered_map>

#include "http/message.hpp"

namespace tr::http {

class StaticFiles {
 public:
  // Loads every regular file under `root`. A missing root gives an empty app.
  explicit StaticFiles(const std::string& root);

  bool empty() const { return files_.empty(); }

  // Answers GET/HEAD for `req.path`; honours If-None-Match.
  Response serve(const Request& req) const;

 private:
  struct File {
    std::string content;
    std::string content_type;
    std::string etag;
    bool immutable = false;  // hashed asset under /assets/
  };
  Response respond(const File& file, const Request& req) const;

  std::unordered_map<std::string, File> files_;  // "/assets/index-abc.js" -> file
};

// Content-Type for a file name by extension.
std::string content_type_for(const std::string& filename);

}  // namespace tr::http
