//! What search engines, aggregators and courts' own sites read: `robots.txt`, `sitemap.xml` of the public
//! rounds, and an Atom feed of new announcements (`feed.atom`). Outside `/api/`, ahead of the web app.

use actix_web::{HttpResponse, get, web};
use auction_core::time::rfc3339;

use crate::error::ApiResult;
use crate::persistence::convert::{instant, money};
use crate::services::rounds;
use crate::state::AppState;

/// A sitemap file holds at most 50,000 addresses.
const SITEMAP_LIMIT: u64 = 50_000;
const FEED_ENTRIES: u64 = 50;

/// Text for XML content and attributes.
fn xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    escaped
}

fn base(state: &AppState) -> &str {
    state.settings.public_url.trim_end_matches('/')
}

#[get("/robots.txt")]
pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    // Photos are public and may be indexed; the rest of the API, accounts and the console are not pages.
    let body = format!(
        "User-agent: *\nAllow: /\nAllow: /api/files/\nDisallow: /api/\nDisallow: /court\nDisallow: /me\n\
         Disallow: /pay/\nDisallow: /negotiate/\nDisallow: /login\nDisallow: /signup\n\nSitemap: {}/sitemap.xml\n",
        base(&state)
    );
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(body)
}

#[get("/sitemap.xml")]
pub async fn sitemap(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let base = base(&state);
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    body.push_str(&format!(
        "<url><loc>{}/</loc><changefreq>hourly</changefreq></url>\n",
        xml(base)
    ));
    for (id, updated) in rounds::public_round_stamps(&state, SITEMAP_LIMIT - 1).await? {
        body.push_str(&format!(
            "<url><loc>{}/auctions/{id}</loc><lastmod>{}</lastmod></url>\n",
            xml(base),
            rfc3339(instant(updated))
        ));
    }
    body.push_str("</urlset>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(body))
}

#[get("/feed.atom")]
pub async fn feed(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let base = base(&state);
    let rounds = rounds::recent_announcements(&state, FEED_ENTRIES).await?;
    let updated = rounds
        .first()
        .and_then(|(r, _)| r.published_at)
        .map_or_else(|| rfc3339(state.clock.now()), |at| rfc3339(instant(at)));
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n\
         <title>法拍 Fapai · 拍卖公告</title>\n<id>{base}/feed.atom</id>\n<link rel=\"self\" href=\"{base}/feed.atom\"/>\n\
         <link href=\"{base}/\"/>\n<updated>{updated}</updated>\n<author><name>法拍 Fapai</name></author>\n",
        base = xml(base),
    );
    for (round, court) in rounds {
        let published = round.published_at.map(|at| rfc3339(instant(at))).unwrap_or_default();
        let summary = format!(
            "{court}：起拍价 ¥{}，保证金 ¥{}，竞价 {} 起（北京时间见页面）。",
            money(round.starting_price)?.grouped(),
            money(round.deposit)?.grouped(),
            rfc3339(instant(round.bidding_starts_at)),
        );
        body.push_str(&format!(
            "<entry>\n<title>{title}</title>\n<id>urn:uuid:{id}</id>\n<link href=\"{base}/auctions/{id}\"/>\n\
             <published>{published}</published>\n<updated>{published}</updated>\n<summary>{summary}</summary>\n</entry>\n",
            title = xml(&round.title),
            id = round.id,
            base = xml(base),
            summary = xml(&summary),
        ));
    }
    body.push_str("</feed>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .body(body))
}

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(robots).service(sitemap).service(feed);
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            super::xml(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }
}
