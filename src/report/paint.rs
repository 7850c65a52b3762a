//! The one `Paint`: colours and weights for human output, or none.
//!
//! Owns styling; must not choose words.

use owo_colors::{OwoColorize, Style};

/// Colours on (`Paint(true)`) or off.
#[derive(Debug, Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    pub fn style(&self, text: &str, style: Style) -> String {
        if self.0 {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
    pub fn dim(&self, text: &str) -> String {
        self.style(text, Style::new().dimmed())
    }
    pub fn bold(&self, text: &str) -> String {
        self.style(text, Style::new().bold())
    }
    pub fn good(&self, text: &str) -> String {
        self.style(text, Style::new().green())
    }
    pub fn bad(&self, text: &str) -> String {
        self.style(text, Style::new().red())
    }
    pub fn warn(&self, text: &str) -> String {
        self.style(text, Style::new().yellow())
    }
}
