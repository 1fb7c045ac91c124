//! One tag: its image's digest, size, platforms, labels, how it runs,
//! each layer with the build step that made it, and who pulled it through
//! the gateway.

use crate::fetch::Fetch;
use leptos::prelude::*;
use portunus_shared::api::PullSummary;
use portunus_shared::display::{human_size, person, short_digest};

use super::require_sign_in;
use crate::api;
use crate::components::{CopyButton, Loaded, When};

#[component]
pub fn TagPage(id: i64, tag: String) -> impl IntoView {
    require_sign_in();
    let id = move || id;
    let tag = StoredValue::new(tag);
    let tag = move || tag.get_value();
    let details = Fetch::new(move || {
        let (id, tag) = (id(), tag());
        async move { api::tag_details(id, &tag).await }
    });
    let repository = Fetch::new(move || api::repository(id()));
    // `ns/app:tag` once the repository is known, and its `docker pull` line.
    let name = move || match repository.get() {
        Some(Ok(r)) => format!("{}:{}", r.name, tag()),
        _ => tag(),
    };
    let pull = move || match repository.get() {
        Some(Ok(r)) => Some(format!(
            "docker pull {}/{}:{}",
            r.registry_host,
            r.name,
            tag()
        )),
        _ => None,
    };
    view! {
        <div class="card">
            <p><a href=move || format!("/repositories/{}", id())>"← Repository"</a></p>
            <h1 id="tag-name">{name}</h1>
            {move || pull().map(|line| view! {
                <div class="pull-line"><pre class="pull">{line.clone()}</pre><CopyButton text=line /></div>
            })}
            <Loaded resource=details waiting="Reading the image from the registry…" show=move |d| {
                        let t = d.tag;
                        let code = |text: String| view! { <code>{text}</code> }.into_any();
                        let time = |at: String| view! { <When at=at /> }.into_any();
                        let pushed = view! {
                            <When at=t.pushed_at.clone() />
                            {t.pushed_by.as_deref().map(|who| format!(" by {}", person(who, t.pushed_by_display_name.as_deref())))}
                        }.into_any();
                        let digest = t.digest.clone();
                        let facts = [
                            ("Digest", Some(view! { <code>{digest.clone()}</code> " " <CopyButton text=digest /> }.into_any())),
                            ("Image ID", t.image_id.clone().map(|id| view! { <code title=id.clone()>{short_digest(&id)}</code> }.into_any())),
                            ("Media type", Some(code(t.media_type.clone()))),
                            ("Size", Some(code(format!("{} in {} {}", human_size(t.size), t.layers, if t.layers == 1 { "layer" } else { "layers" })))),
                            ("Built", t.created.clone().map(time)),
                            ("Pushed", Some(pushed)),
                            ("Last pulled", Some(t.pulled_at.clone().map_or_else(|| view! { "never" }.into_any(), time))),
                            ("Runs", d.command.clone().map(code)),
                            ("Working directory", d.working_dir.clone().map(code)),
                            ("User", d.user.clone().map(code)),
                            ("Ports", (!d.exposed_ports.is_empty()).then(|| code(d.exposed_ports.join(", ")))),
                            ("Labels", t.labels.clone().map(code)),
                        ];
                        view! {
                            <table id="tag-facts">
                                <tbody>
                                    {facts.into_iter().filter_map(|(k, v)| v.map(|v| view! {
                                        <tr><th>{k}</th><td>{v}</td></tr>
                                    })).collect_view()}
                                    {t.platforms.into_iter().map(|p| view! {
                                        <tr>
                                            <th>"Platform"</th>
                                            <td>
                                                {format!("{}/{}{}", p.os, p.architecture, p.variant.map(|v| format!("/{v}")).unwrap_or_default())}
                                                " · " <code>{short_digest(&p.digest)}</code> " · " {human_size(p.size)}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {(!d.layers.is_empty()).then(|| view! {
                                <h2>"Layers"</h2>
                                <table id="layers">
                                    <thead><tr><th>"#"</th><th>"Size"</th><th>"Made by"</th></tr></thead>
                                    <tbody>
                                        {d.layers.into_iter().enumerate().map(|(i, l)| view! {
                                            <tr title=l.digest.clone()>
                                                <td>{i + 1}</td>
                                                <td>{human_size(l.size)}</td>
                                                <td><code>{l.created_by.unwrap_or_else(|| short_digest(&l.digest))}</code></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            })}
                        }.into_any()
                    }
                />
            <Pulls id=id() tag=tag() />
        </div>
    }
}

/// "Pulled 34 times by 5 people in the last 30 days", and who, for those
/// who manage the namespace; nothing where no gateway records pulls.
#[component]
fn Pulls(id: i64, tag: String) -> impl IntoView {
    let summary = Fetch::new(move || {
        let tag = tag.clone();
        async move { api::tag_pulls(id, &tag).await }
    });
    view! {
        <Loaded resource=summary show=move |s: PullSummary| {
            if !s.recorded && s.pulls == 0 {
                return ().into_any();
            }
            let line = pull_line(&s);
            view! {
                <section id="tag-pulls">
                    <h2>"Pulls"</h2>
                    <p id="tag-pull-summary">{line}</p>
                    {s.by.filter(|by| !by.is_empty()).map(|by| view! {
                        <table id="tag-pullers">
                            <thead><tr><th>"Who"</th><th>"Pulls"</th><th>"Last"</th></tr></thead>
                            <tbody>
                                {by.into_iter().map(|b| view! {
                                    <tr>
                                        <td>{b.account.clone().unwrap_or_else(|| format!("anonymous, {}", b.address.clone().unwrap_or_default()))}</td>
                                        <td>{b.pulls}</td>
                                        <td><When at=b.last_pulled_at.clone() /></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                </section>
            }.into_any()
        } />
    }
}

/// The pulls of a summary in one sentence.
fn pull_line(s: &PullSummary) -> String {
    if s.pulls == 0 {
        return format!(
            "Not pulled through the gateway in the last {} days.",
            s.days
        );
    }
    let times = |n: u64| match n {
        1 => "once".to_owned(),
        n => format!("{n} times"),
    };
    let people = match s.people {
        1 => "1 person".to_owned(),
        n => format!("{n} people"),
    };
    let who = match (s.people, s.anonymous) {
        (0, _) => " anonymously".to_owned(),
        (_, 0) => format!(" by {people}"),
        (_, a) => format!(" by {people} and {} anonymously", times(a)),
    };
    let times = times(s.pulls);
    format!("Pulled {times}{who} in the last {} days.", s.days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(pulls: u64, people: u64, anonymous: u64) -> PullSummary {
        PullSummary {
            recorded: true,
            days: 30,
            pulls,
            people,
            anonymous,
            by: None,
        }
    }

    #[test]
    fn pulls_read_as_a_sentence() {
        assert_eq!(
            pull_line(&summary(4, 2, 1)),
            "Pulled 4 times by 2 people and once anonymously in the last 30 days."
        );
        assert_eq!(
            pull_line(&summary(1, 1, 0)),
            "Pulled once by 1 person in the last 30 days."
        );
        assert_eq!(
            pull_line(&summary(3, 0, 3)),
            "Pulled 3 times anonymously in the last 30 days."
        );
        assert_eq!(
            pull_line(&summary(0, 0, 0)),
            "Not pulled through the gateway in the last 30 days."
        );
    }
}
