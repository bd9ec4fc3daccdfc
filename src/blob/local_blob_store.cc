#include "atelier/blob/local_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <random>
#include <system_error>

#include "atelier/blob/sha256.h"

namespace atelier {
namespace {

namespace fs = std::filesystem;

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// Relative path of a blob: ab/abcdef... (at most 256 folders, so storing a blob seldom has to
// make one). `hash` must already be validated.
std::string RelativePath(const std::string& hash) { return hash.substr(0, 2) + "/" + hash; }

// Where stores made before that kept blobs: ab/cd/abcdef... (still read).
std::string LegacyRelativePath(const std::string& hash) {
  return hash.substr(0, 2) + "/" + hash.substr(2, 2) + "/" + hash;
}

// A name no other writer (thread or process) will pick for its temp file.
std::string TempName(const std::string& hash) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t process_salt = std::random_device{}();
  return ".tmp-" + hash.substr(0, 16) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(process_salt) + "-" + std::to_string(counter.fetch_add(1));
}

Status WriteAll(int fd, std::string_view bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal("write failed: " + ErrnoText(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Sets the file's modification time to now; false when there is no such file.
bool Touch(const std::string& path) {
  return ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0;
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// Makes the rename durable; best effort, since some filesystems refuse fsync on directories.
void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

Result<std::unique_ptr<LocalBlobStore>> LocalBlobStore::Open(const std::string& dir) {
  if (dir.empty()) return Err(InvalidArgument("blob store directory is empty"));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Err(Internal("cannot create blob store directory '" + dir + "': " + ec.message()));
  if (!fs::is_directory(dir, ec)) {
    return Err(InvalidArgument("blob store path '" + dir + "' is not a directory"));
  }
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return std::unique_ptr<LocalBlobStore>(new LocalBlobStore(std::move(root)));
}

Result<std::string> LocalBlobStore::Put(std::string_view bytes) {
  std::string hash = Sha256Hex(bytes);
  std::string path = root_ + "/" + RelativePath(hash);
  // Content-addressed: bytes already stored are only marked as put now. A file that vanished
  // between the two (a removal) is written again below.
  if (Touch(path)) return hash;
  if (Touch(root_ + "/" + LegacyRelativePath(hash))) return hash;

  std::string dir = root_ + "/" + hash.substr(0, 2);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Err(Internal("cannot create blob directory '" + dir + "': " + ec.message()));

  std::string tmp = dir + "/" + TempName(hash);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Err(Internal("cannot create '" + tmp + "': " + ErrnoText(errno)));
  Status s = WriteAll(fd, bytes);
  if (s.ok() && ::fsync(fd) != 0) s = Internal("fsync failed: " + ErrnoText(errno));
  if (::close(fd) != 0 && s.ok()) s = Internal("close failed: " + ErrnoText(errno));
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Internal("rename to '" + path + "' failed: " + ErrnoText(errno));
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return Err(Status(s.code(), "blob " + hash + ": " + s.message()));
  }
  SyncDir(dir);
  return hash;
}

Result<std::string> LocalBlobStore::Get(const std::string& sha256) {
  if (!IsSha256Hex(sha256)) {
    return Err(InvalidArgument("malformed blob hash '" + sha256 +
                               "' (want 64 lower-case hex characters)"));
  }
  int fd = ::open(LocalPath(sha256).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Err(NotFound("blob " + sha256 + " not found"));
    return Err(Internal("cannot open blob " + sha256 + ": " + ErrnoText(errno)));
  }
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Err(Internal("cannot read blob " + sha256 + ": " + ErrnoText(err)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string LocalBlobStore::LocalPath(const std::string& sha256) {
  if (!IsSha256Hex(sha256)) return "";
  std::string path = root_ + "/" + RelativePath(sha256);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    std::string legacy = root_ + "/" + LegacyRelativePath(sha256);
    if (::stat(legacy.c_str(), &st) == 0) return legacy;
  }
  return path;
}

// Renamed aside, then judged by the time of what was renamed (the header says why).
Result<BlobStore::Removed> LocalBlobStore::RemoveUnlessUsed(const std::string& sha256,
                                                            int64_t since_ms) {
  if (!IsSha256Hex(sha256)) {
    return Err(InvalidArgument("malformed blob hash '" + sha256 +
                               "' (want 64 lower-case hex characters)"));
  }
  Removed out;
  for (const std::string& rel : {RelativePath(sha256), LegacyRelativePath(sha256)}) {
    const std::string path = root_ + "/" + rel;
    const std::string aside = path + ".removing-" + TempName(sha256);
    if (::rename(path.c_str(), aside.c_str()) != 0) {
      if (errno == ENOENT) continue;
      return Err(Internal("cannot remove blob " + sha256 + ": " + ErrnoText(errno)));
    }
    struct stat st;
    if (::stat(aside.c_str(), &st) != 0) {
      return Err(Internal("cannot read blob " + sha256 + " set aside: " + ErrnoText(errno)));
    }
    if (MtimeMs(st) >= since_ms) {
      // Put since: back into place (over a copy a Put may have written meanwhile: same bytes).
      if (::rename(aside.c_str(), path.c_str()) != 0) {
        return Err(Internal("cannot put blob " + sha256 + " back: " + ErrnoText(errno)));
      }
      out.outcome = Removal::kRecent;
      return out;
    }
    if (::unlink(aside.c_str()) != 0) {
      return Err(Internal("cannot remove blob " + sha256 + ": " + ErrnoText(errno)));
    }
    out.outcome = Removal::kRemoved;
    out.bytes += static_cast<int64_t>(st.st_size);
  }
  if (out.outcome == Removal::kRemoved) SyncDir(root_ + "/" + sha256.substr(0, 2));
  return out;
}

}  // namespace atelier
