use iam_groups::config::Settings;
use iam_groups::startup::Application;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("iam-groups: {e}");
            std::process::exit(2);
        }
    };
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or(&settings.log.level),
    )
    .init();
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("iam-groups: {e}");
            std::process::exit(1);
        }
    };
    log::info!("iam-groups listening on http://{}", app.address());
    app.run().await
}
