//! Photos and documents of a listing: uploaded by its court, stored under `<data_dir>/files/`, served
//! with the type their content shows (never the type the uploader claimed).

use std::path::{Path, PathBuf};

use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::listings;
use super::rounds::{Access, update_round};
use crate::auth::{Caller, MaybeCaller};
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::{millis, variant_widths};
use crate::persistence::entities::{listing_file, round};
use crate::state::AppState;

pub const MAX_PHOTO_BYTES: u64 = 10 << 20;
pub const MAX_DOCUMENT_BYTES: u64 = 20 << 20;
/// What one listing may hold: enough for a flat's photos and its reports, not a file store.
pub const MAX_FILES_PER_LISTING: usize = 60;
pub const MAX_BYTES_PER_LISTING: u64 = 300 << 20;

/// The content types Fapai accepts, recognised by their first bytes.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    match head {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        [b'%', b'P', b'D', b'F', b'-', ..] => Some("application/pdf"),
        _ => None,
    }
}

fn storage_dir(state: &AppState) -> PathBuf {
    state.settings.data_dir.join("files")
}

/// The widths of a photo's smaller copies: a card or a thumbnail, and the main photo on a phone (a
/// browser picks one through `srcset`). A photo no wider than a width gets no copy of it.
pub const VARIANT_WIDTHS: [u32; 2] = [320, 960];

/// The largest photo decoded: enough for a 48-megapixel camera, bounded so a crafted file cannot take the
/// server's memory.
const MAX_DECODE_BYTES: u64 = 512 << 20;

fn variant_name(id: Uuid, width: u32) -> String {
    format!("{id}.w{width}.jpg")
}

/// Decodes the photo and writes its smaller copies (JPEG) next to it; returns their widths. Fails if the
/// photo cannot be decoded: a file whose first bytes say JPEG but whose content is not one is refused.
/// The decoder reads the file through a buffer; only the decoded image, bounded, is in memory.
fn make_variants(photo: &Path, dir: &Path, id: Uuid) -> Result<Vec<u32>, String> {
    use image::ImageReader;
    let mut reader = ImageReader::open(photo)
        .and_then(ImageReader::with_guessed_format)
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let photo = reader.decode().map_err(|e| e.to_string())?;
    let mut made = Vec::new();
    for width in VARIANT_WIDTHS {
        if photo.width() <= width {
            continue;
        }
        let smaller = photo
            .resize(width, u32::MAX, image::imageops::FilterType::Triangle)
            .to_rgb8();
        let file = std::fs::File::create(dir.join(variant_name(id, width))).map_err(|e| e.to_string())?;
        let mut writer = std::io::BufWriter::new(file);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, 82)
            .encode_image(&smaller)
            .map_err(|e| e.to_string())?;
        made.push(width);
    }
    Ok(made)
}

/// What a received upload holds, read from its temporary file in chunks: never held in memory whole.
pub struct Received {
    /// By its first bytes; `None` for a type Fapai does not take.
    pub content_type: Option<&'static str>,
    pub size: u64,
    pub sha256: String,
}

/// How many first bytes decide a file's type.
const HEAD_BYTES: usize = 16;

pub async fn examine(path: &Path) -> ApiResult<Received> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path).await.map_err(ApiError::internal)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let mut chunk = vec![0u8; 64 << 10];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut chunk).await.map_err(ApiError::internal)?;
        if read == 0 {
            break;
        }
        let wanted = HEAD_BYTES.saturating_sub(head.len()).min(read);
        head.extend_from_slice(&chunk[..wanted]);
        hasher.update(&chunk[..read]);
        size += read as u64;
    }
    Ok(Received {
        content_type: sniff(&head),
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Refuses an empty file or one over `limit` bytes, in the contract's shape; `what` names it in the message.
pub fn check_size(size: u64, limit: u64, what: &str) -> ApiResult<()> {
    if size > limit {
        return Err(ApiError::too_large(
            "file_too_large",
            format!("a {what} may be at most {} MiB", limit >> 20),
        ));
    }
    if size == 0 {
        return Err(ApiError::unprocessable("empty_file", "the file is empty"));
    }
    Ok(())
}

/// Refuses a PDF that could act when opened (JavaScript, a launch action, an embedded file, …; see
/// `pdf_check`), read once more in chunks off the async threads.
pub async fn check_pdf(received: &Path) -> ApiResult<()> {
    let path = received.to_owned();
    let found =
        tokio::task::spawn_blocking(move || std::fs::File::open(&path).and_then(super::pdf_check::active_content))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
    match found {
        None => Ok(()),
        Some(what) => Err(ApiError::unprocessable(
            "unsupported_file_type",
            format!("the PDF carries {what}; print it to a plain PDF and upload that"),
        )),
    }
}

/// A scan or a document a person sends as evidence (a power of attorney, proof of identity): its type
/// from its content, at most `limit` bytes, a PDF without active content. Returns the content type too.
pub async fn accept_evidence(received: &Path, limit: u64, what: &str) -> ApiResult<(&'static str, Received)> {
    let content = examine(received).await?;
    let content_type = content.content_type.ok_or_else(|| {
        ApiError::unprocessable(
            "unsupported_file_type",
            format!("send the {what} as a PDF, or as a JPEG, PNG or WebP scan or photo"),
        )
    })?;
    check_size(content.size, limit, what)?;
    if content_type == "application/pdf" {
        check_pdf(received).await?;
    }
    Ok((content_type, content))
}

/// Copies a received upload into the file store under `id`.
pub async fn keep(state: &AppState, received: &Path, id: Uuid) -> ApiResult<()> {
    let dir = storage_dir(state);
    tokio::fs::create_dir_all(&dir).await.map_err(ApiError::internal)?;
    tokio::fs::copy(received, dir.join(id.to_string()))
        .await
        .map_err(ApiError::internal)?;
    Ok(())
}

/// Opens a stored file for streaming.
pub async fn open_stored(state: &AppState, name: &str) -> ApiResult<tokio::fs::File> {
    tokio::fs::File::open(storage_dir(state).join(name))
        .await
        .map_err(ApiError::internal)
}

/// A file name safe to show and to put in a header: no path, no control characters, bounded length.
pub fn clean_name(name: Option<&str>) -> String {
    let base = name.unwrap_or("file").rsplit(['/', '\\']).next().unwrap_or("file");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

pub struct Upload<'a> {
    pub listing_id: Uuid,
    /// `photo` or `document`; inferred from the content when absent.
    pub kind: Option<&'a str>,
    pub file_name: Option<&'a str>,
    pub path: &'a Path,
}

/// Whether the caller may add files to the listing: checked before the upload's body is read.
pub async fn may_upload(state: &AppState, caller: &Caller, listing_id: Uuid) -> ApiResult<()> {
    listings::find_for_judge(state, caller, listing_id).await.map(|_| ())
}

pub async fn upload(state: &AppState, caller: &Caller, upload: Upload<'_>) -> ApiResult<listing_file::Model> {
    let listing = listings::find_for_judge(state, caller, upload.listing_id).await?;
    let received = examine(upload.path).await?;
    let content_type = received.content_type.ok_or_else(|| {
        ApiError::unprocessable(
            "unsupported_file_type",
            "upload a JPEG, PNG or WebP photo, or a PDF document",
        )
    })?;
    let is_image = content_type.starts_with("image/");
    let kind = match upload.kind.map(str::trim).filter(|k| !k.is_empty()) {
        None => {
            if is_image {
                "photo"
            } else {
                "document"
            }
        }
        Some("photo") if is_image => "photo",
        Some("photo") => {
            return Err(ApiError::unprocessable(
                "unsupported_file_type",
                "a photo must be a JPEG, PNG or WebP image",
            ));
        }
        Some("document") => "document",
        Some(_) => return Err(ApiError::unprocessable("invalid_kind", "kind is photo or document")),
    };
    let size = received.size;
    let limit = if kind == "photo" {
        MAX_PHOTO_BYTES
    } else {
        MAX_DOCUMENT_BYTES
    };
    check_size(size, limit, kind)?;
    if content_type == "application/pdf" {
        check_pdf(upload.path).await?;
    }
    let existing = list(state, listing.id).await?;
    let stored: u64 = existing.iter().map(|f| u64::try_from(f.size).unwrap_or(0)).sum();
    if existing.len() >= MAX_FILES_PER_LISTING || stored + size > MAX_BYTES_PER_LISTING {
        return Err(ApiError::conflict(
            "file_quota_exceeded",
            format!(
                "a listing holds at most {MAX_FILES_PER_LISTING} files and {} MiB",
                MAX_BYTES_PER_LISTING >> 20
            ),
        ));
    }
    let id = Uuid::new_v4();
    let dir = storage_dir(state);
    tokio::fs::create_dir_all(&dir).await.map_err(ApiError::internal)?;
    let widths = if kind == "photo" {
        let (photo, dir) = (upload.path.to_owned(), dir.clone());
        let made = tokio::task::spawn_blocking(move || make_variants(&photo, &dir, id))
            .await
            .map_err(ApiError::internal)?;
        match made {
            Ok(widths) => widths,
            Err(why) => {
                tracing::info!(listing.id = %listing.id, reason = %why, "photo refused: cannot be decoded");
                return Err(ApiError::unprocessable(
                    "unsupported_file_type",
                    "the photo cannot be read as a JPEG, PNG or WebP image",
                ));
            }
        }
    } else {
        Vec::new()
    };
    keep(state, upload.path, id).await?;
    let now = state.clock.now();
    let record = listing_file::ActiveModel {
        id: Set(id),
        listing_id: Set(listing.id),
        kind: Set(kind.to_owned()),
        file_name: Set(clean_name(upload.file_name)),
        content_type: Set(content_type.to_owned()),
        size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        sha256: Set(received.sha256),
        uploaded_by: Set(caller.user_id),
        created_at: Set(millis(now)),
        variants: Set((!widths.is_empty()).then(|| serde_json::json!(widths).to_string())),
    };
    let announced = round::Entity::find()
        .filter(round::Column::ListingId.eq(listing.id))
        .filter(round::Column::PublishedAt.is_not_null())
        .order_by_desc(round::Column::PublishedAt)
        .one(state.db.conn())
        .await?;
    let record = match announced {
        // A file added once a round is announced becomes part of that round's record (R70).
        Some(round) => {
            update_round(state, round.id, now, Access::System, async |locked, tx| {
                let record = record.insert(&**tx).await?;
                locked.record_file(&record, now);
                Ok(record)
            })
            .await?
            .value
        }
        None => record.insert(state.db.conn()).await?,
    };
    tracing::info!(listing.id = %listing.id, file.id = %id, file.kind = kind, size, "listing file stored");
    Ok(record)
}

pub async fn list(state: &AppState, listing_id: Uuid) -> ApiResult<Vec<listing_file::Model>> {
    Ok(listing_file::Entity::find()
        .filter(listing_file::Column::ListingId.eq(listing_id))
        .order_by_asc(listing_file::Column::CreatedAt)
        .all(state.db.conn())
        .await?)
}

/// A file, opened for streaming, for whoever may see its listing: never read into memory whole. With
/// `width`, a photo's smaller copy of that width (JPEG), or the photo itself when it has none.
pub async fn open(
    state: &AppState,
    caller: &MaybeCaller,
    id: Uuid,
    width: Option<u32>,
) -> ApiResult<(listing_file::Model, tokio::fs::File)> {
    let record = listing_file::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("file"))?;
    listings::find_visible(state, caller, record.listing_id)
        .await
        .map_err(|_| ApiError::not_found("file"))?;
    let name = match width.filter(|w| variant_widths(&record).contains(w)) {
        Some(width) => variant_name(id, width),
        None => id.to_string(),
    };
    let file = open_stored(state, &name).await?;
    let record = match width.filter(|w| variant_widths(&record).contains(w)) {
        Some(_) => listing_file::Model {
            content_type: "image/jpeg".to_owned(),
            ..record
        },
        None => record,
    };
    Ok((record, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"GIF89a"), None);
    }

    #[test]
    fn a_photo_gets_smaller_copies_and_a_false_one_is_refused() {
        let dir = std::env::temp_dir().join(format!("fapai-variants-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut png = Vec::new();
        image::RgbImage::from_fn(1200, 800, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let id = Uuid::new_v4();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        assert_eq!(
            make_variants(&write("big.png", &png), &dir, id).unwrap(),
            vec![320, 960]
        );
        let small = image::open(dir.join(variant_name(id, 320))).unwrap();
        assert_eq!((small.width(), small.height()), (320, 213));
        let mut tiny = Vec::new();
        image::RgbImage::new(200, 100)
            .write_to(&mut std::io::Cursor::new(&mut tiny), image::ImageFormat::Png)
            .unwrap();
        assert!(
            make_variants(&write("tiny.png", &tiny), &dir, Uuid::new_v4())
                .unwrap()
                .is_empty(),
            "no copy wider than the photo"
        );
        let false_jpeg = write("false.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        assert!(make_variants(&false_jpeg, &dir, Uuid::new_v4()).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn an_upload_is_read_in_chunks_for_its_type_size_and_hash() {
        let path = std::env::temp_dir().join(format!("fapai-examine-{}", Uuid::new_v4()));
        // Over three chunks, so the head, the count and the hash each cross a chunk's boundary.
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend((0..200_000u32).map(|i| (i % 251) as u8));
        std::fs::write(&path, &bytes).unwrap();
        let received = examine(&path).await.unwrap();
        assert_eq!(received.content_type, Some("application/pdf"));
        assert_eq!(received.size, bytes.len() as u64);
        assert_eq!(received.sha256, hex::encode(Sha256::digest(&bytes)));
        std::fs::write(&path, b"GIF8").unwrap();
        assert_eq!(
            examine(&path).await.unwrap().content_type,
            None,
            "a short file of another type"
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_name(Some("C:\\照片\\客厅.jpg")), "客厅.jpg");
        assert_eq!(clean_name(Some("a\"b\nc.pdf")), "abc.pdf");
        assert_eq!(clean_name(None), "file");
    }
}
