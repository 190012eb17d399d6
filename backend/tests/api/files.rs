//! A listing's photos and documents.

use crate::db_test;
use crate::helpers::{PNG, TestApp, code, upload};

db_test!(
    async fn a_court_uploads_photos_and_documents_of_a_listing(db) {
        let app = TestApp::spawn(db).await;
        let judge = app.new_judge().await;
        let other = app.new_judge().await;
        let listing = app.new_listing(&judge, "real_estate").await;
        let (status, photo) = upload(&app, &judge.token, &listing, "客厅.png", PNG, None).await;
        assert_eq!(status, 201, "{photo}");
        assert_eq!((photo["kind"].as_str(), photo["content_type"].as_str()), (Some("photo"), Some("image/png")));
        let (status, pdf) = upload(&app, &judge.token, &listing, "评估报告.pdf", b"%PDF-1.4\n% report\n", Some("document")).await;
        assert_eq!((status, pdf["content_type"].as_str()), (201, Some("application/pdf")), "the type comes from the content");
        let (status, error) = upload(&app, &judge.token, &listing, "x.html", b"<script>alert(1)</script>", None).await;
        assert_eq!((status, code(&error)), (422, "unsupported_file_type"));
        // N10: a PDF that would run something when a bidder opens it is not published.
        let scripted = b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n";
        let (status, error) = upload(&app, &judge.token, &listing, "报告.pdf", scripted, Some("document")).await;
        assert_eq!((status, code(&error)), (422, "unsupported_file_type"), "{error}");
        assert!(error["error"]["message"].as_str().unwrap().contains("JavaScript"), "{error}");
        let mut big = PNG.to_vec();
        big.resize((10 << 20) + 1, 0);
        let (status, error) = upload(&app, &judge.token, &listing, "big.png", &big, Some("photo")).await;
        assert_eq!((status, code(&error)), (413, "file_too_large"));
        let (status, _) = upload(&app, &other.token, &listing, "x.png", PNG, None).await;
        assert_eq!(status, 403);

        let shown = app.get_ok(&format!("/api/listings/{listing}"), Some(&judge.token)).await;
        assert_eq!(shown["files"].as_array().unwrap().len(), 2);
        let url = format!("{}{}", app.address, photo["url"].as_str().unwrap());
        let mut response = app
            .client
            .get(&url)
            .insert_header(("Authorization", format!("Bearer {}", judge.token)))
            .insert_header(("Accept-Encoding", "gzip"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers().get("content-type").unwrap(), "image/png");
        assert!(
            response.headers().get("content-encoding").is_none_or(|e| e == "identity"),
            "a photo is sent as it is, not gzipped again"
        );
        assert_eq!(response.headers().get("content-length").unwrap(), &PNG.len().to_string());
        assert_eq!(response.headers().get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(response.body().await.unwrap().as_ref(), PNG);
        // Before a round is announced, the public cannot see the files.
        assert_eq!(app.client.get(&url).send().await.unwrap().status().as_u16(), 404);
        app.finish().await;
    }
);
