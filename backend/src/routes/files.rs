//! The two ends of a file at the HTTP edge: a multipart form read in the contract's error shape, and a
//! stored file streamed back with its type and name.

use actix_multipart::form::MultipartForm;
use actix_web::http::header::{
    Charset, ContentDisposition, ContentEncoding, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

use crate::error::{ApiError, ApiResult};

/// Reads a `multipart/form-data` body. Refusals of the form itself (its type, size, shape) come back in
/// the contract's shape: a body of another type here, the rest through `multipart_error`.
pub async fn read_form<T: actix_multipart::form::MultipartCollect + 'static>(
    request: &HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<T> {
    let multipart = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        return Err(ApiError::bad_request(
            "invalid_body",
            "send the file as multipart/form-data, in a part named `file`",
        )
        .into());
    }
    // actix-multipart 0.8.5 `debug_assert!`s that every part has a name: in a debug build an unnamed part
    // would panic and drop the connection. It is the client's mistake, so it gets the client's answer.
    use futures_util::FutureExt;
    let form = std::panic::AssertUnwindSafe(MultipartForm::<T>::from_request(request, &mut payload.into_inner()))
        .catch_unwind()
        .await
        .map_err(|_| ApiError::bad_request("invalid_body", "every part of the form must have a name"))??;
    Ok(form.into_inner())
}

/// A stored file's answer: its own type, its name for saving (shown inline, or saved as an attachment), sent in chunks as it is (photos and PDFs
/// are compressed already), never held in memory whole. Private: some files are the court's only.
pub async fn stored_file(
    name: &str,
    content_type: &str,
    file: tokio::fs::File,
    disposition: DispositionType,
) -> ApiResult<HttpResponse> {
    let length = file.metadata().await.map_err(ApiError::internal)?.len();
    let disposition = ContentDisposition {
        disposition,
        parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.to_owned().into_bytes(),
        })],
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(disposition)
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .insert_header(ContentEncoding::Identity)
        .no_chunking(length)
        .streaming(tokio_util::io::ReaderStream::new(file)))
}
