#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/ids.hpp"

namespace tr::http {
namespace {
namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("tr-static-" + new_id());  // never reused
    fs::create_directories(root_ / "dist" / "assets");
    write(root_ / "dist" / "index.html", "<html>app</html>");
    write(root_ / "dist" / "assets" / "app-1234.js", "console.log(1)");
    write(root_ / "secret.txt", "do not serve");
  }
  void TearDown() override { fs::remove_all(root_); }
  static void write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }
  Request get(std::string path) {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    return r;
  }
  std::string header(const Response& r, const std::string& name) {
    for (auto& [k, v] : r.headers) if (k == name) return v;
    return "";
  }
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCacheHeaders) {
  StaticFiles files((root_ / "dist").string());
  auto js = files.serve(get("/assets/app-1234.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(header(js, "Cache-Control").find("immutable"), std::string::npos);
  auto index = files.serve(get("/"));
  EXPECT_EQ(index.body, "<html>app</html>");
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, EtagAnswersNotModified) {
  StaticFiles files((root_ / "dist").string());
  auto first = files.serve(get("/index.html"));
  auto again = get("/index.html");
  again.headers.emplace_back("if-none-match", header(first, "ETag"));
  EXPECT_EQ(files.serve(again).status, 304);
}

TEST_F(StaticFilesTest, UnknownRoutesGetIndexButMissingAssetsAre404) {
  StaticFiles files((root_ / "dist").string());
  EXPECT_EQ(files.serve(get("/rooms/abc")).body, "<html>app</html>");
  EXPECT_EQ(files.serve(get("/assets/missing.js")).status, 404);
}

TEST_F(StaticFilesTest, TraversalNeverLeavesTheFolder) {
  StaticFiles files((root_ / "dist").string());
  for (const char* p : {"/../secret.txt", "/assets/../../secret.txt", "/..%2fsecret.txt"}) {
    auto r = files.serve(get(p));
    EXPECT_EQ(r.body.find("do not serve"), std::string::npos) << p;
  }
}

}  // namespace
}  // namespace tr::http
