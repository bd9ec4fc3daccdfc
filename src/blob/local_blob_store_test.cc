#include "atelier/blob/local_blob_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "atelier/blob/sha256.h"

namespace atelier {
namespace {

namespace fs = std::filesystem;

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("atelier_blob_test_" + std::to_string(::getpid()) + "_" +
                                         std::to_string(std::random_device{}()));
    dir_ = root_;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);  // a test may point dir_ below it
  }

  std::unique_ptr<LocalBlobStore> OpenStore() {
    auto store = LocalBlobStore::Open(dir_.string());
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return std::move(*store);
  }

  fs::path root_;
  fs::path dir_;
};

TEST(Sha256Test, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, RecognisesWellFormedHashes) {
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("x")));
  EXPECT_FALSE(IsSha256Hex(""));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'g')));
}

TEST_F(LocalBlobStoreTest, OpenCreatesTheDirectory) {
  dir_ /= "nested/deeper";
  ASSERT_FALSE(fs::exists(dir_));
  auto store = OpenStore();
  EXPECT_TRUE(fs::is_directory(dir_));
  // Opening an existing store works too.
  EXPECT_TRUE(LocalBlobStore::Open(dir_.string()).has_value());
}

TEST_F(LocalBlobStoreTest, OpenRejectsAFile) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  auto store = LocalBlobStore::Open((dir_ / "file").string());
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().code(), Code::kOk);
}

TEST_F(LocalBlobStoreTest, PutThenGetRoundTrips) {
  auto store = OpenStore();
  std::string bytes("binary\0data\xff with nulls", 24);
  auto hash = store->Put(bytes);
  ASSERT_TRUE(hash.has_value()) << hash.error().ToString();
  EXPECT_EQ(*hash, Sha256Hex(bytes));
  auto got = store->Get(*hash);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, bytes);

  auto empty = store->Put("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*store->Get(*empty), "");
}

TEST_F(LocalBlobStoreTest, PutIsIdempotent) {
  auto store = OpenStore();
  auto first = store->Put("same bytes");
  ASSERT_TRUE(first.has_value());
  struct stat before;
  ASSERT_EQ(::stat(store->LocalPath(*first).c_str(), &before), 0);
  auto second = store->Put("same bytes");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*first, *second);
  // Not written again (the same file), only marked as put now.
  struct stat after;
  ASSERT_EQ(::stat(store->LocalPath(*first).c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);

  // No temp files left behind, exactly one blob file.
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST_F(LocalBlobStoreTest, ConcurrentPutsOfTheSameBytesAreSafe) {
  auto store = OpenStore();
  std::string bytes(100000, 'z');
  std::vector<std::thread> threads;
  std::vector<std::string> hashes(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto h = store->Put(bytes);
      if (h) hashes[i] = *h;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& h : hashes) EXPECT_EQ(h, Sha256Hex(bytes));
  EXPECT_EQ(*store->Get(hashes[0]), bytes);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST_F(LocalBlobStoreTest, LaysBlobsOutByHashPrefix) {
  auto store = OpenStore();
  auto hash = store->Put("abc");
  ASSERT_TRUE(hash.has_value());
  const std::string want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  ASSERT_EQ(*hash, want);
  fs::path expected = dir_ / "ba" / want;
  EXPECT_EQ(fs::path(store->LocalPath(want)), expected);
  ASSERT_TRUE(fs::is_regular_file(expected));
  std::ifstream in(expected, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "abc");
}

TEST_F(LocalBlobStoreTest, ReadsBlobsKeptInTheEarlierTwoLevelLayout) {
  const std::string hash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  fs::create_directories(dir_ / "ba" / "78");
  {
    std::ofstream out(dir_ / "ba" / "78" / hash, std::ios::binary);
    out << "abc";
  }
  auto store = OpenStore();
  auto got = store->Get(hash);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, "abc");
  EXPECT_EQ(fs::path(store->LocalPath(hash)), dir_ / "ba" / "78" / hash);
  // Storing the same bytes again finds them there and writes no second copy.
  ASSERT_EQ(*store->Put("abc"), hash);
  EXPECT_FALSE(fs::exists(dir_ / "ba" / hash));
}

TEST_F(LocalBlobStoreTest, GetOfAnUnknownHashIsNotFound) {
  auto store = OpenStore();
  std::string hash = Sha256Hex("never stored");
  auto got = store->Get(hash);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), Code::kNotFound);
  EXPECT_NE(got.error().message().find(hash), std::string::npos);
}

TEST_F(LocalBlobStoreTest, RejectsMalformedHashes) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Put("abc").has_value());
  const std::string good = Sha256Hex("abc");
  std::string upper = good;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad :
       {std::string(""), std::string("../../etc/passwd"), good.substr(0, 63), good + "0", upper,
        std::string("ba/78/") + good.substr(6), std::string(64, '.')}) {
    auto got = store->Get(bad);
    ASSERT_FALSE(got.has_value()) << bad;
    EXPECT_EQ(got.error().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store->LocalPath(bad), "") << bad;
  }
}

// ---- removal (RemoveUnlessUsed) ---------------------------------------------------------------

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Makes the file look last put `age_ms` ago.
void Age(const std::string& path, int64_t age_ms) {
  const int64_t at = NowMs() - age_ms;
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = at / 1000;
  times[0].tv_nsec = times[1].tv_nsec = (at % 1000) * 1000000;
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

TEST_F(LocalBlobStoreTest, RemovesABlobNotPutSinceTheGivenTime) {
  auto store = OpenStore();
  auto hash = store->Put("old render");
  ASSERT_TRUE(hash.has_value());
  Age(store->LocalPath(*hash), 3600 * 1000);
  auto removed = store->RemoveUnlessUsed(*hash, NowMs() - 60 * 1000);
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  EXPECT_EQ(removed->outcome, BlobStore::Removal::kRemoved);
  EXPECT_EQ(removed->bytes, 10);
  EXPECT_EQ(store->Get(*hash).error().code(), Code::kNotFound);
  // Nothing is left beside it (the file set aside is gone too).
  EXPECT_TRUE(fs::is_empty(dir_ / hash->substr(0, 2)));
  auto again = store->RemoveUnlessUsed(*hash, NowMs());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->outcome, BlobStore::Removal::kAbsent);
}

TEST_F(LocalBlobStoreTest, KeepsABlobPutAgainSinceTheGivenTime) {
  auto store = OpenStore();
  auto hash = store->Put("shared render");
  ASSERT_TRUE(hash.has_value());
  const std::string path = store->LocalPath(*hash);
  Age(path, 3600 * 1000);
  // A step stores the same bytes again: the blob counts as put now.
  ASSERT_TRUE(store->Put("shared render").has_value());
  auto removed = store->RemoveUnlessUsed(*hash, NowMs() - 60 * 1000);
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  EXPECT_EQ(removed->outcome, BlobStore::Removal::kRecent);
  auto got = store->Get(*hash);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "shared render");
  EXPECT_TRUE(fs::exists(path));
}

TEST_F(LocalBlobStoreTest, PutAfterARemovalStoresTheBytesAgain) {
  auto store = OpenStore();
  auto hash = store->Put("again");
  ASSERT_TRUE(hash.has_value());
  Age(store->LocalPath(*hash), 3600 * 1000);
  ASSERT_EQ(store->RemoveUnlessUsed(*hash, NowMs())->outcome, BlobStore::Removal::kRemoved);
  ASSERT_TRUE(store->Put("again").has_value());
  auto got = store->Get(*hash);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "again");
}

TEST_F(LocalBlobStoreTest, RemovesFromTheEarlierLayoutToo) {
  auto store = OpenStore();
  const std::string bytes = "legacy";
  const std::string hash = Sha256Hex(bytes);
  const fs::path legacy = dir_ / hash.substr(0, 2) / hash.substr(2, 2) / hash;
  fs::create_directories(legacy.parent_path());
  std::ofstream(legacy) << bytes;
  Age(legacy.string(), 3600 * 1000);
  auto removed = store->RemoveUnlessUsed(hash, NowMs());
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->outcome, BlobStore::Removal::kRemoved);
  EXPECT_FALSE(fs::exists(legacy));
}

TEST_F(LocalBlobStoreTest, RemovalRefusesAMalformedHash) {
  auto store = OpenStore();
  auto removed = store->RemoveUnlessUsed("../../etc/passwd", NowMs());
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace atelier
