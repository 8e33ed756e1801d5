//! Pagination styles providers use, and a stream over pages. A connector reads one page per
//! call and hands back a [`PageCursor`] that is saved with the page, so a sync resumes exactly
//! where it stopped.

use futures::Stream;
use http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum PageCursor {
    /// Page/per style: the 1-based page number.
    Page(u32),
    /// Next-URL style (Harvest `links.next`, BambooHR `_links.next`, RFC 8288 Link headers).
    Url(String),
    /// Opaque cursor token (`page[after]`, `starting_after_uuid`…).
    Token(String),
    /// Offset/limit style: the offset.
    Offset(u64),
}

/// Page/per style: the next page, or None when this one was the last. Uses `X-Total-Pages`
/// when the provider sends it, else a short page means the end.
pub fn next_page_number(
    current: u32,
    items_on_page: usize,
    per_page: usize,
    headers: &HeaderMap,
) -> Option<u32> {
    let total_pages = headers
        .get("x-total-pages")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    let more = match total_pages {
        Some(total) => current < total,
        None => items_on_page >= per_page && items_on_page > 0,
    };
    // A provider that never sends a short page ends at the counter's maximum.
    more.then(|| current.checked_add(1)).flatten()
}

/// Next-URL style: the URL at a JSON pointer (e.g. `/links/next`, `/_links/next/href`), when
/// present and not null.
pub fn next_url_in_body(body: &Value, pointer: &str) -> Option<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// RFC 8288 `Link` header: the target of `rel="next"`.
pub fn next_url_in_link_header(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
            is_next.then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
        })
}

/// Offset style: the next offset, or None after a short page.
pub fn next_offset(offset: u64, items_on_page: usize, limit: usize) -> Option<u64> {
    (items_on_page >= limit && items_on_page > 0)
        .then(|| offset.checked_add(u64::try_from(items_on_page).ok()?))
        .flatten()
}

/// Streams pages: `fetch(cursor)` returns one page's items and the next cursor.
pub fn pages<T, F, Fut, E>(first: PageCursor, fetch: F) -> impl Stream<Item = Result<Vec<T>, E>>
where
    F: FnMut(PageCursor) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<PageCursor>), E>>,
{
    futures::stream::unfold((Some(first), fetch), |(cursor, mut fetch)| async move {
        let cursor = cursor?;
        match fetch(cursor).await {
            Ok((items, next)) => Some((Ok(items), (next, fetch))),
            Err(e) => Some((Err(e), (None, fetch))),
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn page_counters_stop_at_their_maximum_instead_of_overflowing() {
        let none = HeaderMap::new();
        assert_eq!(next_page_number(u32::MAX, 10, 10, &none), None);
        assert_eq!(
            next_page_number(u32::MAX - 1, 10, 10, &none),
            Some(u32::MAX)
        );
        assert_eq!(next_offset(u64::MAX - 5, 10, 10), None);
    }
    use futures::StreamExt;
    use serde_json::json;

    #[test]
    fn page_per_uses_total_pages_or_a_short_page() {
        let mut h = HeaderMap::new();
        assert_eq!(next_page_number(1, 25, 25, &h), Some(2));
        assert_eq!(next_page_number(2, 10, 25, &h), None);
        h.insert("x-total-pages", "3".parse().unwrap());
        assert_eq!(next_page_number(2, 25, 25, &h), Some(3));
        assert_eq!(next_page_number(3, 25, 25, &h), None);
    }

    #[test]
    fn next_urls_from_bodies_and_link_headers() {
        let body = json!({"links": {"next": "https://x/v2/time_entries?cursor=abc"}, "_links": {"next": null}});
        assert_eq!(
            next_url_in_body(&body, "/links/next").unwrap(),
            "https://x/v2/time_entries?cursor=abc"
        );
        assert_eq!(next_url_in_body(&body, "/_links/next"), None);
        let mut h = HeaderMap::new();
        h.insert(
            http::header::LINK,
            r#"<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next""#
                .parse()
                .unwrap(),
        );
        assert_eq!(next_url_in_link_header(&h).unwrap(), "https://a/x?page=3");
    }

    #[test]
    fn offsets_advance_by_what_came_back() {
        assert_eq!(next_offset(0, 100, 100), Some(100));
        assert_eq!(next_offset(100, 7, 100), None);
    }

    #[tokio::test]
    async fn stream_walks_every_page_then_stops() {
        let s = pages(PageCursor::Page(1), |c| async move {
            let PageCursor::Page(n) = c else {
                unreachable!()
            };
            let next = (n < 3).then_some(PageCursor::Page(n + 1));
            Ok::<_, ()>((vec![n; 2], next))
        });
        let all: Vec<_> = s.map(|p| p.unwrap()).collect::<Vec<_>>().await;
        assert_eq!(all, vec![vec![1, 1], vec![2, 2], vec![3, 3]]);
    }

    #[test]
    fn cursors_serialise_for_checkpoints() {
        let c = PageCursor::Url("https://x/y?cursor=1".into());
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(text, r#"{"type":"url","value":"https://x/y?cursor=1"}"#);
        assert_eq!(serde_json::from_str::<PageCursor>(&text).unwrap(), c);
    }
}
