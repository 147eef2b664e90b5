//! The simulated businesses of the sandbox phone network. Each listens to
//! what the assistant says and answers like a person would: greets, answers
//! questions, quotes prices, confirms with a reference number, hangs up.

/// Which business answers a sandbox number (`+1 NXX 555-01XX`; the last two
/// digits choose).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Business {
    Dentist,
    Pizzeria,
    Plumber,
    Restaurant,
    Voicemail,
    Busy,
    NoAnswer,
    PhoneMenu,
    Hold,
    Refusal,
    /// A handyman who quotes without a currency ("400 for the whole job").
    Handyman,
    /// Movers who charge by the hour and give a total only when asked.
    Movers,
    /// A busy salon receptionist off any script: asks whether we are a
    /// robot and for a card, offers a slot with a price in words, spells the
    /// confirmation phonetically.
    Salon,
    /// A vet whose line screens calls, then puts us through to a person.
    Vet,
    /// The load-test line (`555-0150`): asks something every turn for a
    /// while, then says goodbye.
    LoadTest,
    /// A generic business for rehearsing any task.
    Rehearsal,
}

/// Turns the load-test line keeps a call going.
pub const LOAD_TEST_TURNS: u32 = 20;

impl Business {
    pub fn for_number(e164: &str) -> Business {
        let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
        let fictional = digits.len() == 11 && digits.starts_with('1') && &digits[4..9] == "55501";
        if !fictional {
            return Business::Rehearsal;
        }
        match &digits[9..] {
            "00" => Business::Dentist,
            "01" => Business::Pizzeria,
            "02" => Business::Plumber,
            "03" => Business::Restaurant,
            "04" => Business::Voicemail,
            "05" => Business::Busy,
            "06" => Business::NoAnswer,
            "07" => Business::PhoneMenu,
            "08" => Business::Hold,
            "09" => Business::Refusal,
            "10" => Business::Handyman,
            "11" => Business::Movers,
            "12" => Business::Salon,
            "13" => Business::Vet,
            "50" => Business::LoadTest,
            _ => Business::Rehearsal,
        }
    }
}

/// What the business does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction {
    /// Say these, one utterance each.
    Say(Vec<String>),
    /// Say these, then hang up.
    SayAndHangUp(Vec<String>),
    /// Stay quiet and keep listening.
    Listen,
    /// Wait this long in silence (hold), then say these.
    Later(std::time::Duration, Vec<String>),
}

/// What a rehearsal business offers, built from the task's plan: a price
/// within the user's limit and, when the plan has one, the preferred slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub price: f64,
    pub slot: Option<String>,
}

impl Offer {
    pub fn from_plan(plan: &crate::domain::plan::AiPlan) -> Offer {
        let price = plan.hard_constraints.max_price.map(|m| (m * 0.8).round()).filter(|p| *p > 0.0).unwrap_or(45.0);
        let prefs = &plan.soft_preferences;
        let day = prefs.get("preferred_day").or_else(|| prefs.get("preferred_date")).and_then(|v| v.as_str());
        let time = prefs.get("preferred_time").and_then(|v| v.as_str());
        let slot = match (day, time) {
            (Some(d), Some(t)) => Some(format!("{d} at {t}")),
            (Some(d), None) => Some(d.to_owned()),
            (None, Some(t)) => Some(format!("at {t}")),
            (None, None) => None,
        };
        Offer { price, slot }
    }
}

/// One simulated person at one business, for one call.
#[derive(Debug)]
pub struct Sim {
    business: Business,
    stage: u32,
    /// A reference number for this call.
    reference: u32,
    /// Menu/hold: which business takes over once through.
    inner: Option<Box<Sim>>,
    /// The rehearsal business's offer.
    offer: Option<Offer>,
}

fn has(text: &str, words: &[&str]) -> bool {
    let t = text.to_lowercase();
    words.iter().any(|w| t.contains(w))
}

const ACCEPT: &[&str] = &[
    "go ahead",
    "that works",
    "sounds good",
    "please book",
    "book it",
    "yes please",
    "let's do",
    "we'll take",
    "i'll take",
    "please confirm",
    "perfect",
    "approves",
    "great, please",
];
const DECLINE: &[&str] =
    &["pass for now", "more than", "can't do", "cannot do", "no thank", "not able", "couldn't reach", "call you back", "decline"];
const GOODBYE: &[&str] = &["goodbye", "bye", "have a great day", "have a good day"];

impl Sim {
    pub fn new(business: Business, seed: u32) -> Sim {
        Sim { business, stage: 0, reference: 1000 + seed % 9000, inner: None, offer: None }
    }

    /// A rehearsal business built from a task's plan.
    pub fn rehearsal(seed: u32, offer: Offer) -> Sim {
        Sim { offer: Some(offer), ..Sim::new(Business::Rehearsal, seed) }
    }

    pub fn business(&self) -> Business {
        self.business
    }

    /// What is said when the call is answered.
    pub fn answer(&mut self) -> Reaction {
        let say = |s: &str| Reaction::Say(vec![s.to_owned()]);
        match self.business {
            Business::Dentist => say("Thank you for calling Bright Smiles Dental, this is Sarah. How can I help you?"),
            Business::Pizzeria => say("Tony's Pizzeria, what can I get you?"),
            Business::Plumber => say("Rapid Plumbing, Joe speaking."),
            Business::Restaurant => say("Good evening, Luigi's Trattoria. How can I help?"),
            Business::Voicemail => Reaction::Say(vec![
                "Hi, you've reached Dr. Lee's office. We can't take your call right now. Please leave a message after the beep."
                    .into(),
                "Beep.".into(),
            ]),
            Business::PhoneMenu => say(
                "Thank you for calling Bright Smiles Dental. For billing, press 1. For appointments, press 2. For all other questions, press 0.",
            ),
            Business::Hold => {
                self.inner = Some(Box::new(Sim::new(Business::Dentist, self.reference)));
                Reaction::Later(
                    std::time::Duration::from_millis(1500),
                    vec!["Thanks for holding, this is Sarah at Bright Smiles Dental. How can I help you?".into()],
                )
            }
            Business::Refusal => Reaction::SayAndHangUp(vec!["We're not interested. Stop calling us!".into()]),
            Business::Handyman => say("Handy Home Repairs, this is Mike."),
            Business::Movers => say("Quick Movers, Dana speaking. What can I do for you?"),
            Business::Salon => say("Sunset Salon, hang on. Okay, sorry, who's this? Am I talking to a robot?"),
            Business::Vet => say("This call is being screened. Please state your name and the reason for your call."),
            Business::Rehearsal => say("Hello, thanks for calling. How can I help you today?"),
            Business::LoadTest => say("Load test line, hello?"),
            Business::Busy | Business::NoAnswer => Reaction::Listen,
        }
    }

    /// What the hold line says before a person picks up.
    pub fn hold_message(&self) -> Option<&'static str> {
        (self.business == Business::Hold)
            .then_some("Thank you for calling. All of our staff are busy; please hold. ♪ hold music ♪")
    }

    pub fn on_digits(&mut self, digits: &str) -> Reaction {
        if self.business == Business::PhoneMenu && self.inner.is_none() {
            if digits.contains('2') {
                let mut dentist = Sim::new(Business::Dentist, self.reference);
                dentist.stage = 0;
                self.inner = Some(Box::new(dentist));
                return Reaction::Say(vec!["Appointments, this is Sarah. How can I help you?".into()]);
            }
            return Reaction::Say(vec!["Sorry, that option is not available. For appointments, press 2.".into()]);
        }
        Reaction::Listen
    }

    /// Reacts to one complete utterance of the assistant.
    pub fn on_assistant(&mut self, text: &str) -> Reaction {
        if let Some(inner) = self.inner.as_mut() {
            return inner.on_assistant(text);
        }
        // What was agreed, read back as a question: a person says it is
        // right, each in their own words.
        if has(text, &["is that right", "is that correct"]) {
            let yes = match self.business {
                Business::Salon | Business::Pizzeria => "Yep, that's it.",
                Business::Vet => "That's correct. See you then.",
                Business::Handyman | Business::Movers => "Mhm, you got it.",
                _ => "Yes, that's right.",
            };
            return Reaction::Say(vec![yes.into()]);
        }
        let r = self.reference;
        self.stage += 1;
        let bye = has(text, GOODBYE);
        match self.business {
            Business::Dentist => {
                if bye {
                    return Reaction::SayAndHangUp(vec!["Thank you, see you then. Goodbye!".into()]);
                }
                let offered = self.stage > 1;
                if !offered {
                    return Reaction::Say(vec!["Sure! We have an opening next Tuesday at 2:30 pm. A cleaning is $85.".into()]);
                }
                if has(text, ACCEPT) || has(text, &["works", "yes"]) {
                    return Reaction::Say(vec![format!(
                        "Perfect, you're booked for next Tuesday at 2:30 pm. Your confirmation number is DC-{r}. Please arrive 10 minutes early."
                    )]);
                }
                if has(text, &["bring", "prepare"]) {
                    return Reaction::Say(vec!["Just bring your insurance card.".into()]);
                }
                Reaction::Say(vec!["Is there anything else I can help with?".into()])
            }
            Business::Pizzeria => {
                if bye {
                    return Reaction::SayAndHangUp(vec!["Thanks, enjoy your pizza!".into()]);
                }
                if self.stage == 1 {
                    return Reaction::Say(vec!["Got it, one large pepperoni. The total is $18.50 with delivery, it'll be about 40 minutes. What name is the order under?".into()]);
                }
                if self.stage == 2 {
                    return Reaction::Say(vec![format!("Thanks! Your order number is {r}.")]);
                }
                Reaction::Say(vec!["Anything else?".into()])
            }
            Business::Plumber => {
                if bye {
                    return Reaction::SayAndHangUp(vec!["Alright, bye now.".into()]);
                }
                if has(text, &["moment", "check with", "checking"]) && !has(text, ACCEPT) {
                    return Reaction::Say(vec!["Sure, take your time. I'll hold.".into()]);
                }
                if has(text, DECLINE) {
                    return Reaction::SayAndHangUp(vec!["No problem. Have a good day.".into()]);
                }
                if has(text, ACCEPT) {
                    return Reaction::Say(vec![format!("Great, I can come this Saturday at 9 am. Your job number is PL-{r}.")]);
                }
                if self.stage <= 2 {
                    return Reaction::Say(vec!["For a leak repair it would be $300, parts and labour.".into()]);
                }
                Reaction::Say(vec!["Anything else?".into()])
            }
            Business::Restaurant => {
                if bye {
                    return Reaction::SayAndHangUp(vec!["We look forward to seeing you. Goodbye!".into()]);
                }
                if self.stage == 1 {
                    return Reaction::Say(vec![format!(
                        "Of course. I've put you down for this Friday at 7 pm. Your reservation number is R-{r}."
                    )]);
                }
                Reaction::Say(vec!["Anything else?".into()])
            }
            Business::Handyman | Business::Movers => {
                if bye {
                    return Reaction::SayAndHangUp(vec!["Alright, take care. Bye.".into()]);
                }
                if has(text, &["moment", "check with", "checking"]) && !has(text, ACCEPT) {
                    return Reaction::Say(vec!["Sure, I'll hold.".into()]);
                }
                if has(text, DECLINE) {
                    return Reaction::SayAndHangUp(vec!["No worries. Have a good one.".into()]);
                }
                let prefix = if self.business == Business::Handyman { "HH" } else { "QM" };
                if has(text, ACCEPT) && self.stage > 1 {
                    return Reaction::Say(vec![format!("Great, you're down for Monday at 10. Your job number is {prefix}-{r}.")]);
                }
                match (self.business, self.stage) {
                    (Business::Handyman, 1) => Reaction::Say(vec!["Yeah, I can do that. It'd be 400 for the whole job.".into()]),
                    (Business::Movers, 1) => Reaction::Say(vec!["Sure, we do local moves. We charge 95 an hour.".into()]),
                    (Business::Movers, 2) if has(text, &["total", "how long", "hours"]) => {
                        Reaction::Say(vec!["For a one-bedroom, probably about 4 hours, so around 380.".into()])
                    }
                    _ => Reaction::Say(vec!["Anything else I can help with?".into()]),
                }
            }
            Business::Salon => {
                if bye {
                    return Reaction::SayAndHangUp(vec!["Okay, see you then, bye!".into()]);
                }
                if has(text, ACCEPT) || (self.stage > 3 && has(text, &["works", "yes"])) {
                    let (a, b, c) = (r / 100 % 10, r / 10 % 10, r % 10);
                    return Reaction::Say(vec![format!(
                        "Done. Your confirmation is K as in kilo, {a}, {b}, {c}. Anything else?"
                    )]);
                }
                match self.stage {
                    1 => Reaction::Say(vec!["Ha, okay. And what name would it be under?".into()]),
                    2 => Reaction::Say(vec!["Got it. Can I get a card number to hold the slot?".into()]),
                    _ => Reaction::Say(vec![
                        "Fine, no card then. I've got Thursday at 3 with Jess, it's sixty for the cut, that okay?".into(),
                    ]),
                }
            }
            Business::Vet => {
                if bye {
                    return Reaction::SayAndHangUp(vec!["Thanks, we'll see you then. Bye now.".into()]);
                }
                if self.stage == 1 {
                    return Reaction::Later(
                        std::time::Duration::from_millis(1200),
                        vec!["Northside Vet, this is Priya. How can I help?".into()],
                    );
                }
                if has(text, ACCEPT) || has(text, &["works", "yes"]) {
                    return Reaction::Say(vec![format!("Lovely, that's booked. Your reference is NV-{r}.")]);
                }
                if self.stage == 2 {
                    return Reaction::Say(vec!["We could see him Wednesday at 10:30. The exam is seventy-five.".into()]);
                }
                Reaction::Say(vec!["Anything else?".into()])
            }
            // The recorder takes the message, then the line goes dead.
            Business::Voicemail => Reaction::Listen,
            Business::PhoneMenu => Reaction::Say(vec!["For appointments, press 2.".into()]),
            Business::Hold => Reaction::Listen,
            Business::Refusal | Business::Busy | Business::NoAnswer => Reaction::Listen,
            Business::LoadTest => {
                if self.stage > LOAD_TEST_TURNS {
                    return Reaction::SayAndHangUp(vec!["That's all, goodbye!".into()]);
                }
                Reaction::Later(
                    std::time::Duration::from_millis(400),
                    vec![format!("Could you spell item {} for me?", self.stage)],
                )
            }
            Business::Rehearsal => {
                if bye {
                    return Reaction::SayAndHangUp(vec!["Thank you, goodbye!".into()]);
                }
                if self.stage == 1 {
                    let offer = self.offer.clone().unwrap_or(Offer { price: 45.0, slot: None });
                    let slot = offer.slot.map(|s| format!(" We can do {s}.")).unwrap_or_default();
                    let price = crate::domain::money::spoken(offer.price, None);
                    return Reaction::Say(vec![format!("Sure, we can help with that.{slot} It would be {price}.")]);
                }
                if has(text, ACCEPT) || has(text, &["works", "yes", "great"]) {
                    return Reaction::Say(vec![format!("You're all set. Your reference number is RH-{r}.")]);
                }
                Reaction::Say(vec!["Yes, that's fine.".into()])
            }
        }
    }

    /// Whether the business hangs up once the assistant stops talking.
    pub fn hangs_up_after_message(&self) -> bool {
        self.business == Business::Voicemail && self.stage >= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_route_to_businesses() {
        assert_eq!(Business::for_number("+14155550100"), Business::Dentist);
        assert_eq!(Business::for_number("+12125550102"), Business::Plumber);
        assert_eq!(Business::for_number("+14155550109"), Business::Refusal);
        assert_eq!(Business::for_number("+14155550142"), Business::Rehearsal);
        assert_eq!(Business::for_number("+442079460958"), Business::Rehearsal);
    }

    #[test]
    fn the_dentist_books_and_confirms() {
        let mut s = Sim::new(Business::Dentist, 4821);
        assert!(matches!(s.answer(), Reaction::Say(_)));
        let Reaction::Say(offer) = s.on_assistant("Hi, I'm calling to book a cleaning next week.") else { panic!() };
        assert!(offer[0].contains("$85"));
        let Reaction::Say(done) = s.on_assistant("That works, please book it.") else { panic!() };
        assert!(done[0].contains("DC-5821"), "{done:?}");
        assert!(matches!(s.on_assistant("Thank you, goodbye!"), Reaction::SayAndHangUp(_)));
    }
}
